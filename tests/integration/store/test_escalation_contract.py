"""The OutboxStore contract for acknowledgements, timers, tokens and reply codes, on every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.integration.store.outbox_samples import ack, notification, stored_alert, timer
from tests.integration.store.samples import T0, record

from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import AckRoute
from tanbih.errors import StoreError
from tanbih.ports import NodeStore

SECOND = timedelta(seconds=1)
MINUTE = timedelta(minutes=1)


async def test_the_first_acknowledgement_per_partner_wins(store: NodeStore) -> None:
    """A later acknowledgement from the same partner returns the first, stored one."""
    rec = await stored_alert(store)
    first = ack(rec, "jo", T0 + 5 * SECOND, AckRoute.SMS_REPLY)
    later = ack(rec, "jo", T0 + 9 * SECOND, AckRoute.CONSOLE)
    other = ack(rec, "eg", T0 + 7 * SECOND)

    assert await store.acknowledge(first) == first
    assert await store.acknowledge(later) == first
    assert await store.acknowledge(other) == other
    assert await store.acknowledgements(rec.thread_id) == [first, other]


async def test_an_acknowledgement_may_name_the_notification_it_answers(store: NodeStore) -> None:
    """An acknowledgement carrying a notification key round-trips with it."""
    rec = await stored_alert(store)
    sms = notification(rec, "a", ChannelKind.SMS)
    await store.enqueue([sms])
    given = ack(rec, "jo", T0, AckRoute.SMS_REPLY, key=sms.key)

    await store.acknowledge(given)

    assert await store.acknowledgements(rec.thread_id) == [given]


async def test_acknowledging_stops_only_that_partners_escalation(store: NodeStore) -> None:
    """The partner's timer is marked acknowledged and no longer due; others keep running."""
    rec = await stored_alert(store)
    await store.enqueue([], [timer(rec, "jo"), timer(rec, "eg")])

    await store.acknowledge(ack(rec, "jo", T0 + 5 * SECOND))

    timers = {t.partner_id: t for t in await store.timers(rec.thread_id)}
    assert timers["jo"].acknowledged_at == T0 + 5 * SECOND
    assert timers["eg"].acknowledged_at is None
    assert [t.partner_id for t in await store.due_timers(T0 + MINUTE)] == ["eg"]


async def test_acknowledging_an_unknown_event_fails(store: NodeStore) -> None:
    """An acknowledgement must name a stored event."""
    with pytest.raises(StoreError):
        await store.acknowledge(ack(record("ghost"), "jo", T0))


async def test_due_timers_are_running_ones_due_by_now_earliest_first(store: NodeStore) -> None:
    """Timers not yet due, finished (no next step) or stopped are left out; limit applies."""
    one, two = await stored_alert(store, "m1"), await stored_alert(store, "m2")
    late = timer(one, "jo", due=30 * SECOND)
    early = timer(two, "jo", due=10 * SECOND)
    future = timer(one, "eg", due=2 * MINUTE)
    finished = replace(timer(two, "eg"), next_due_at=None)
    await store.enqueue([], [late, early, future, finished])

    assert await store.due_timers(T0 + MINUTE) == [early, late]
    assert await store.due_timers(T0 + MINUTE, limit=1) == [early]
    await store.stop_timers(two.thread_id, T0)
    assert await store.due_timers(T0 + MINUTE) == [late]


async def test_a_timer_save_never_goes_back_nor_forgets_an_acknowledgement(
    store: NodeStore,
) -> None:
    """Saving a stale timer keeps the stored step, start and acknowledgement."""
    rec = await stored_alert(store)
    start = timer(rec, "jo", steps_done=1)
    await store.enqueue([], [start])
    await store.acknowledge(ack(rec, "jo", T0 + SECOND))
    advanced = replace(start, steps_done=2, next_due_at=T0 + MINUTE, started_at=T0 + SECOND)

    await store.save_timers([advanced])
    await store.save_timers([start])

    [stored] = await store.timers(rec.thread_id)
    assert stored == replace(advanced, started_at=T0, acknowledged_at=T0 + SECOND)


async def test_save_timers_enqueues_the_step_except_to_quiet_partners(store: NodeStore) -> None:
    """A step's notifications go in with the timers, but not to partners who acknowledged."""
    rec = await stored_alert(store)
    await store.enqueue([], [timer(rec, "jo"), timer(rec, "eg")])
    await store.acknowledge(ack(rec, "eg", T0 + SECOND))
    to_jo = notification(rec, "jo-deputy", ChannelKind.SMS, step=1)
    to_eg = notification(rec, "eg-deputy", ChannelKind.SMS, partner_id="eg", step=1)
    step = [timer(rec, "jo", steps_done=2), timer(rec, "eg", steps_done=2)]

    added = await store.save_timers(step, [to_jo, to_eg])

    assert added == [to_jo.key]
    assert await store.notifications(thread_id=rec.thread_id) == [to_jo]
    assert {t.partner_id: t.steps_done for t in await store.timers(rec.thread_id)} == {
        "eg": 2,
        "jo": 2,
    }


async def test_a_timer_of_an_unknown_event_is_refused_with_its_notifications(
    store: NodeStore,
) -> None:
    """save_timers is all or nothing: a timer of an unknown event stores no notification."""
    rec = await stored_alert(store)

    with pytest.raises(StoreError):
        await store.save_timers([timer(record("ghost"), "jo")], [notification(rec, "a")])

    assert await store.notifications() == []


async def test_stop_timers_stops_every_running_escalation_of_the_event(store: NodeStore) -> None:
    """A Cancel stops all of the event's timers at ``now`` and leaves other events alone."""
    one, two = await stored_alert(store, "m1"), await stored_alert(store, "m2")
    await store.enqueue([], [timer(one, "jo"), timer(one, "eg"), timer(two, "jo")])

    await store.stop_timers(one.thread_id, T0 + 3 * SECOND)

    assert {t.stopped_at for t in await store.timers(one.thread_id)} == {T0 + 3 * SECOND}
    assert [t.thread_id for t in await store.due_timers(T0 + MINUTE)] == [two.thread_id]


async def test_a_token_is_spent_once(store: NodeStore) -> None:
    """use_token is True the first time a digest is spent and False ever after."""
    digest = "ab" * 32

    assert await store.use_token(digest, T0) is True
    assert await store.use_token(digest, T0) is False
    assert await store.use_token(digest, T0 + MINUTE) is False
    assert await store.use_token("cd" * 32, T0) is True


async def test_a_reply_code_stands_for_its_notification_until_it_expires(
    store: NodeStore,
) -> None:
    """A saved code is found for its partner only, and not at or after its expiry."""
    rec = await stored_alert(store)
    sms = notification(rec, "a", ChannelKind.SMS)
    await store.enqueue([sms])

    assert await store.save_reply_code("1234", "jo", sms.key, T0 + MINUTE, now=T0) is True

    assert await store.reply_code("1234", "jo", T0) == sms.key
    assert await store.reply_code("1234", "eg", T0) is None
    assert await store.reply_code("9999", "jo", T0) is None
    assert await store.reply_code("1234", "jo", T0 + MINUTE) is None


async def test_a_live_reply_code_is_not_given_to_another_notification(store: NodeStore) -> None:
    """A code held unexpired is refused to another key, renewed for its own, freed when expired."""
    rec = await stored_alert(store)
    first, second = notification(rec, "a", ChannelKind.SMS), notification(rec, "b", ChannelKind.SMS)
    await store.enqueue([first, second])
    await store.save_reply_code("1234", "jo", first.key, T0 + MINUTE, now=T0)

    assert await store.save_reply_code("1234", "jo", second.key, T0 + MINUTE, now=T0) is False
    assert await store.save_reply_code("1234", "jo", first.key, T0 + 2 * MINUTE, now=T0) is True
    assert await store.reply_code("1234", "jo", T0 + MINUTE) == first.key
    late = T0 + 2 * MINUTE
    assert await store.save_reply_code("1234", "jo", second.key, late + MINUTE, now=late) is True
    assert await store.reply_code("1234", "jo", late) == second.key

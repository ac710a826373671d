"""The OutboxStore contract for notifications, claims and the delivery log, on every store."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.integration.store.outbox_samples import (
    LEASE,
    attempt,
    notification,
    stored_alert,
    timer,
)
from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.domain.cap import MsgType
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.lifecycle import Rule
from tanbih.domain.notification import DeliveryOutcome, Handover, NotificationState, Settling
from tanbih.errors import StoreConflictError, StoreError
from tanbih.ports import NodeStore

SECOND = timedelta(seconds=1)


async def test_record_stores_the_alert_with_its_notifications_and_timers(
    store: NodeStore,
) -> None:
    """record() writes notifications and timers with the alert, and they round-trip."""
    rec = record("m1")
    wanted = [
        notification(rec, "a"),
        notification(rec, "b", ChannelKind.SMS, partner_id="eg", created_at=T0 + SECOND),
    ]
    timers = [timer(rec, "jo"), timer(rec, "eg")]

    await store.record(rec, transition(rec), accepted(rec), notifications=wanted, timers=timers)

    assert await store.notifications(alert_id=rec.id) == wanted
    assert await store.timers(rec.thread_id) == sorted(timers, key=lambda t: t.partner_id)


async def test_record_merges_its_timers_into_its_events_stored_ones(store: NodeStore) -> None:
    """A later message of the event saves timers over the stored ones without sending them
    back: fewer steps done than stored is ignored, more advance the timer, the first start
    stays."""
    first = record("m1")
    stored = [timer(first, "jo", steps_done=2), timer(first, "eg", steps_done=1)]
    await store.record(first, transition(first), accepted(first), timers=stored)
    update = record("m2", msg_type=MsgType.UPDATE, thread_id=first.thread_id)
    behind = replace(timer(update, "jo", steps_done=1), started_at=T0 + SECOND)
    ahead = replace(timer(update, "eg", steps_done=3, due=60 * SECOND), started_at=T0 + SECOND)

    await store.record(
        update, transition(update, rule=Rule.UPDATE), accepted(update), timers=[behind, ahead]
    )

    assert await store.timers(first.thread_id) == [replace(ahead, started_at=T0), stored[0]]


async def test_record_may_enqueue_notifications_of_an_earlier_message_of_its_event(
    store: NodeStore,
) -> None:
    """Notifications of a message stored before go in with that message and its event."""
    first = record("m1")
    await store.record(first, transition(first), accepted(first))
    update = record("m2", msg_type=MsgType.UPDATE, thread_id=first.thread_id)
    earlier, own = notification(first, "a"), notification(update, "b")

    await store.record(
        update,
        transition(update, rule=Rule.UPDATE),
        accepted(update),
        notifications=[earlier, own],
    )

    assert await store.notifications(alert_id=first.id) == [earlier]
    in_event = await store.notifications(thread_id=first.thread_id)
    assert {n.key for n in in_event} == {earlier.key, own.key}


async def test_record_writes_handed_over_notifications_claimed_until_the_lease_ends(
    store: NodeStore,
) -> None:
    """A handover's rows are held by its worker from the start; the others are claimable, and
    the handed ones become claimable by anyone once the handover's lease has run out."""
    rec = record("m1")
    handed, other = notification(rec, "a"), notification(rec, "b")
    handover = Handover("w1", T0 + LEASE, frozenset({handed.key}))

    await store.record(
        rec, transition(rec), accepted(rec), notifications=[handed, other], handover=handover
    )

    assert [n.key for n in await store.claim("w2", T0, LEASE, limit=10)] == [other.key]
    await store.settle(other.key, None, NotificationState.SUPPRESSED, now=T0)
    assert await store.claim("w2", T0 + LEASE - SECOND, LEASE, limit=10) == []
    assert [n.key for n in await store.claim("w2", T0 + LEASE, LEASE, limit=10)] == [handed.key]


async def test_a_conflicting_record_adds_no_notifications(store: NodeStore) -> None:
    """A message stored twice fails the second time and leaves the first one's outbox alone."""
    rec = record("m1")
    await store.record(rec, transition(rec), accepted(rec), notifications=[notification(rec, "a")])

    with pytest.raises(StoreConflictError):
        await store.record(
            rec, transition(rec), accepted(rec), notifications=[notification(rec, "b")]
        )

    assert [n.recipient.contact_id for n in await store.notifications()] == ["a"]


async def test_a_record_with_a_notification_of_an_unknown_alert_writes_nothing(
    store: NodeStore,
) -> None:
    """All or nothing: a bad notification in record() leaves neither alert nor outbox stored."""
    rec, stranger = record("m1"), record("never-stored")
    wanted = [notification(rec, "a"), notification(stranger, "b")]

    with pytest.raises(StoreError):
        await store.record(rec, transition(rec), accepted(rec), notifications=wanted)

    assert await store.get(rec.id) is None
    assert await store.notifications() == []


async def test_enqueue_skips_keys_already_stored_and_returns_the_new_ones(
    store: NodeStore,
) -> None:
    """Dedup is by key: enqueueing a stored key again adds nothing and does not return it."""
    rec = await stored_alert(store)
    first, second = notification(rec, "a"), notification(rec, "b", created_at=T0 + SECOND)

    assert await store.enqueue([first]) == [first.key]
    assert await store.enqueue([first, second, second]) == [second.key]
    assert await store.notifications() == [first, second]


async def test_enqueue_of_an_unknown_alert_adds_nothing(store: NodeStore) -> None:
    """A notification of an alert never stored fails the whole enqueue."""
    rec = await stored_alert(store)

    with pytest.raises(StoreError):
        await store.enqueue([notification(rec, "a"), notification(record("ghost"), "b")])

    assert await store.notifications() == []


async def test_claim_takes_due_pending_notifications_fresh_ones_first(store: NodeStore) -> None:
    """Only pending rows due by now are claimed, never-tried first, then by due time."""
    rec = await stored_alert(store)
    retry_due = notification(rec, "retry", next_attempt_at=T0 - SECOND)
    fresh = notification(rec, "fresh", created_at=T0 + SECOND)
    later = notification(rec, "later", next_attempt_at=T0 + SECOND)
    settled = notification(rec, "done")
    await store.enqueue([retry_due, fresh, later, settled])
    await store.settle(settled.key, None, NotificationState.SUPPRESSED, now=T0)

    claimed = await store.claim("w1", T0 + SECOND, LEASE, limit=10)

    assert [n.key for n in claimed] == [fresh.key, retry_due.key, later.key]
    assert await store.claim("w2", T0 + SECOND, LEASE, limit=10) == []


async def test_claim_takes_no_more_than_the_limit(store: NodeStore) -> None:
    """A claim returns at most ``limit`` rows; the rest stay for the next claim."""
    rec = await stored_alert(store)
    await store.enqueue([notification(rec, f"c{i}") for i in range(5)])

    first = await store.claim("w1", T0, LEASE, limit=3)
    rest = await store.claim("w1", T0, LEASE, limit=3)

    assert len(first) == 3
    assert len(rest) == 2
    assert {n.key for n in first}.isdisjoint(n.key for n in rest)


async def test_claim_filters_by_channel_kind(store: NodeStore) -> None:
    """Only the kinds asked for are claimed; an empty set claims nothing."""
    rec = await stored_alert(store)
    hook, sms = notification(rec, "a"), notification(rec, "b", ChannelKind.SMS)
    await store.enqueue([hook, sms])

    assert await store.claim("w1", T0, LEASE, 10, kinds=set()) == []
    assert await store.claim("w1", T0, LEASE, 10, kinds={ChannelKind.SMS}) == [sms]
    assert await store.claim("w1", T0, LEASE, 10, kinds=None) == [hook]


async def test_a_claim_is_held_until_its_lease_expires_then_reclaimed(store: NodeStore) -> None:
    """Another worker cannot take a claimed row before the lease ends, and can at its end."""
    rec = await stored_alert(store)
    wanted = notification(rec, "a")
    await store.enqueue([wanted])

    assert await store.claim("w1", T0, LEASE, 10) == [wanted]
    assert await store.claim("w2", T0 + LEASE - SECOND, LEASE, 10) == []
    assert await store.claim("w2", T0 + LEASE, LEASE, 10) == [wanted]


async def test_settle_delivered_logs_the_attempt_and_finishes_the_notification(
    store: NodeStore,
) -> None:
    """A delivered settlement counts and logs the attempt; the row is no longer claimable."""
    rec = await stored_alert(store)
    wanted = notification(rec, "a")
    await store.enqueue([wanted])
    await store.claim("w1", T0, LEASE, 10)
    done = attempt(wanted.key, DeliveryOutcome.DELIVERED, T0 + SECOND)

    await store.settle(wanted.key, done, NotificationState.DELIVERED, now=T0 + SECOND)

    [stored] = await store.notifications()
    assert (stored.state, stored.attempts, stored.next_attempt_at) == (
        NotificationState.DELIVERED,
        1,
        None,
    )
    assert await store.attempts(wanted.key) == [done]
    assert await store.delivered([wanted.key, "unknown"]) == {wanted.key}
    assert await store.claim("w2", T0 + LEASE * 2, LEASE, 10) == []


async def test_settle_many_settles_each_in_order_and_names_the_unknown_keys(
    store: NodeStore,
) -> None:
    """One call settles several rows, the same row twice in turn (a retry, then delivered), and
    returns the keys never stored without writing anything for them."""
    rec = await stored_alert(store)
    first, second = notification(rec, "a"), notification(rec, "b")
    await store.enqueue([first, second])
    await store.claim("w1", T0, LEASE, 10)
    retried = attempt(first.key, DeliveryOutcome.RETRY, T0, error="503")
    done = attempt(first.key, DeliveryOutcome.DELIVERED, T0 + SECOND)

    missing = await store.settle_many(
        [
            Settling(first.key, retried, NotificationState.PENDING, T0 + SECOND, T0),
            Settling("unknown", None, NotificationState.FAILED, None, T0),
            Settling(first.key, done, NotificationState.DELIVERED, None, T0 + SECOND),
            Settling(second.key, None, NotificationState.FAILED, None, T0, "deadline passed"),
        ]
    )

    assert missing == {"unknown"}
    states = {n.key: (n.state, n.attempts) for n in await store.notifications()}
    assert states == {
        first.key: (NotificationState.DELIVERED, 2),
        second.key: (NotificationState.FAILED, 0),
    }
    assert await store.attempts(first.key) == [retried, done]
    assert await store.claim("w2", T0 + LEASE * 2, LEASE, 10) == []


async def test_a_retry_releases_the_claim_and_comes_due_at_its_time(store: NodeStore) -> None:
    """A retry settles pending with a due time and is claimable then, before the lease ends."""
    rec = await stored_alert(store)
    wanted = notification(rec, "a")
    await store.enqueue([wanted])
    await store.claim("w1", T0, LEASE, 10)
    retry_at = T0 + 3 * SECOND

    failed = attempt(wanted.key, DeliveryOutcome.RETRY, T0, error="503")
    await store.settle(wanted.key, failed, NotificationState.PENDING, retry_at, now=T0)

    assert await store.claim("w2", retry_at - SECOND, LEASE, 10) == []
    [again] = await store.claim("w2", retry_at, LEASE, 10)
    assert (again.state, again.attempts, again.next_attempt_at) == (
        NotificationState.PENDING,
        1,
        retry_at,
    )
    assert await store.delivered([wanted.key]) == set()


async def test_a_late_settlement_keeps_the_final_state_but_logs_its_attempt(
    store: NodeStore,
) -> None:
    """A worker settling after another delivered cannot reopen the row; its attempt is kept."""
    rec = await stored_alert(store)
    wanted = notification(rec, "a")
    await store.enqueue([wanted])
    first = attempt(wanted.key, DeliveryOutcome.DELIVERED, T0)
    late = attempt(wanted.key, DeliveryOutcome.RETRY, T0 + SECOND, error="timeout")

    await store.settle(wanted.key, first, NotificationState.DELIVERED, now=T0)
    await store.settle(wanted.key, late, NotificationState.PENDING, T0 + LEASE, now=T0 + SECOND)

    [stored] = await store.notifications()
    assert (stored.state, stored.attempts) == (NotificationState.DELIVERED, 2)
    assert await store.attempts(wanted.key) == [first, late]
    assert await store.claim("w1", T0 + LEASE, LEASE, 10) == []


async def test_settling_without_an_attempt_logs_nothing(store: NodeStore) -> None:
    """A suppressed notification is final, with no attempt logged and none counted."""
    rec = await stored_alert(store)
    wanted = notification(rec, "a")
    await store.enqueue([wanted])

    await store.settle(
        wanted.key, None, NotificationState.SUPPRESSED, now=T0, error="already delivered"
    )

    [stored] = await store.notifications()
    assert (stored.state, stored.attempts) == (NotificationState.SUPPRESSED, 0)
    assert await store.attempts(wanted.key) == []
    assert await store.delivered([wanted.key]) == set()


async def test_settling_an_unknown_key_fails(store: NodeStore) -> None:
    """Settling a key never enqueued is a StoreError, not a silent no-op."""
    with pytest.raises(StoreError):
        await store.settle("0" * 32, None, NotificationState.FAILED, now=T0)


async def test_notifications_filter_by_event_partner_and_alert(store: NodeStore) -> None:
    """Every filter given narrows the list; results come oldest first."""
    one, two = await stored_alert(store, "m1"), await stored_alert(store, "m2")
    jo_one = notification(one, "a")
    eg_one = notification(one, "b", partner_id="eg", created_at=T0 - SECOND)
    jo_two = notification(two, "a", created_at=T0 + SECOND)
    await store.enqueue([jo_one, eg_one, jo_two])

    assert await store.notifications(thread_id=one.thread_id) == [eg_one, jo_one]
    assert await store.notifications(partner_id="jo") == [jo_one, jo_two]
    assert await store.notifications(alert_id=two.id, partner_id="jo") == [jo_two]
    assert await store.notifications(thread_id=one.thread_id, partner_id="xx") == []


async def test_a_notification_is_found_by_its_key_as_last_settled(store: NodeStore) -> None:
    """notification(key) reads one row with its state and attempts; an unknown key is None."""
    rec = await stored_alert(store)
    wanted, other = notification(rec, "a", ChannelKind.SMS, step=2), notification(rec, "b")
    await store.enqueue([wanted, other])
    await store.claim("w1", T0, LEASE, 10)
    retry_at = T0 + 3 * SECOND
    failed = attempt(wanted.key, DeliveryOutcome.RETRY, T0 + SECOND, error="HTTP 503")
    await store.settle(wanted.key, failed, NotificationState.PENDING, retry_at, now=T0 + SECOND)

    found = await store.notification(wanted.key)

    assert found == replace(wanted, attempts=1, next_attempt_at=retry_at)
    assert await store.notification(other.key) == other
    assert await store.notification("no-such-key") is None


async def test_queue_depth_counts_pending_notifications_due_by_now(store: NodeStore) -> None:
    """Claimed-but-unsettled rows count; future retries and settled rows do not."""
    rec = await stored_alert(store)
    claimed, waiting, future, done = (
        notification(rec, "a"),
        notification(rec, "b"),
        notification(rec, "c", next_attempt_at=T0 + LEASE),
        notification(rec, "d"),
    )
    await store.enqueue([claimed, waiting, future, done])
    await store.settle(done.key, None, NotificationState.FAILED, now=T0)
    await store.claim("w1", T0, LEASE, limit=1)

    assert await store.queue_depth(T0) == 2
    assert await store.queue_depth(T0 + LEASE) == 3

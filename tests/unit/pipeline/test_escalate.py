"""The escalate stage over the in-memory store: due steps are queued, numbered and announced."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from tests.unit.domain.routing_samples import DAY, SMS, STANDARD, VOICE, alert, coalition

from tanbih import cap
from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Partner
from tanbih.domain.escalation import start_timer
from tanbih.domain.lifecycle import Rule
from tanbih.domain.records import AlertRecord, alert_id
from tanbih.pipeline.accept import AcceptAlert, Accepted
from tanbih.pipeline.escalate import Escalator
from tanbih.pipeline.notify_plan import NotificationPlan
from tanbih.pipeline.release import Releasability, relay_for

SECOND = timedelta(seconds=1)


def releasability() -> Releasability:
    """The sample coalition's releasability: it has no agreement, so everything is shared."""
    samples = coalition()
    return Releasability(samples, relay_for(samples, b"s" * 32), lambda xml: xml)


class FixedClock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


async def escalating_aa(
    alert: Alert, record: AlertRecord, rule: Rule, source: Partner, now: datetime
) -> NotificationPlan:
    """A route stage that starts partner aa's escalation of every event, telling nobody."""
    return NotificationPlan(timers=(start_timer(record.thread_id, "aa", STANDARD, now),))


@pytest.fixture
async def store() -> MemoryStore:
    """A store holding one alert of the hub whose event escalates to partner aa from DAY."""
    memory = MemoryStore()
    accept = AcceptAlert(memory, FixedClock(DAY), plan=escalating_aa)
    warning = replace(alert(zones=("aa-1",)), restriction="coalition members only")
    hub = coalition().partner("hub")
    assert hub is not None
    assert isinstance(await accept(warning, cap.emit_xml(warning), hub), Accepted)
    return memory


async def test_a_due_step_is_queued_as_step_one_and_wakes_the_dispatcher_once(
    store: MemoryStore,
) -> None:
    """Nothing is queued at 19 s; at 20 s the duty officer's SMS and call are escalation step 1
    (0 being routing's notification), and ``queued`` is called once for the round."""
    woken: list[None] = []
    escalator = Escalator(
        store, coalition(), FixedClock(DAY), releasability(), queued=lambda: woken.append(None)
    )

    early = await escalator.escalate_once(DAY + 19 * SECOND)
    keys = await escalator.escalate_once(DAY + 20 * SECOND)

    assert early == []
    queued = await store.notifications()
    assert sorted(n.key for n in queued) == sorted(keys)
    assert {
        (n.escalation_step, n.recipient.contact_id, n.recipient.channel.kind) for n in queued
    } == {
        (1, "aa-duty", SMS),
        (1, "aa-duty", VOICE),
    }
    assert len(woken) == 1


async def test_a_later_round_of_a_step_is_a_new_notification_with_a_higher_step(
    store: MemoryStore,
) -> None:
    """Round two's 20 s step (at 140 s) is queued again, as step 4, under new keys."""
    escalator = Escalator(store, coalition(), FixedClock(DAY), releasability())
    first = await escalator.escalate_once(DAY + 20 * SECOND)
    await escalator.escalate_once(DAY + 60 * SECOND)

    again = await escalator.escalate_once(DAY + 140 * SECOND)

    assert len(again) == 2
    assert not set(again) & set(first)
    steps = {n.escalation_step for n in await store.notifications() if n.key in again}
    assert steps == {4}


async def test_a_timer_whose_message_cannot_be_read_back_does_not_stop_the_others(
    store: MemoryStore,
) -> None:
    """An event whose stored message is unreadable is logged and skipped; the other event's
    due step is still queued."""
    accept = AcceptAlert(store, FixedClock(DAY), plan=escalating_aa)
    unreadable = replace(alert(zones=("aa-1",)), identifier="unreadable")
    hub = coalition().partner("hub")
    assert hub is not None
    assert isinstance(await accept(unreadable, b"<not-cap/>", hub), Accepted)
    escalator = Escalator(store, coalition(), FixedClock(DAY), releasability())

    keys = await escalator.escalate_once(DAY + 20 * SECOND)

    queued = await store.notifications()
    assert sorted(n.key for n in queued) == sorted(keys)
    assert len(keys) == 2
    assert alert_id(unreadable.sender, unreadable.identifier) not in {n.alert_id for n in queued}

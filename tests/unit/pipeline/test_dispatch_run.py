"""The dispatch worker's loop (``run``): woken by events, by its own retries, by the poll."""

from __future__ import annotations

import asyncio
from collections.abc import Set
from dataclasses import replace
from datetime import datetime, timedelta

from tests.integration.store.outbox_samples import notification
from tests.integration.store.samples import T0, accepted, record, transition
from tests.unit.pipeline.dispatch_doubles import (
    SETTINGS,
    FixedClock,
    ScriptedChannel,
    prepare,
    seeded,
)

from tanbih.adapters.clock import SystemClock
from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.cap import Alert, MsgType, Scope, Status
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import (
    DeliveryOutcome,
    DeliveryResult,
    Notification,
    NotificationState,
)
from tanbih.domain.retry import RetryPolicy
from tanbih.errors import StoreError
from tanbih.pipeline.delivery_attempt import DispatchSettings
from tanbih.pipeline.dispatch import Dispatcher

WEBHOOK = ChannelKind.WEBHOOK
BOUND = 5.0  # seconds any wait in these tests may take before it counts as a failure


class Running:
    """A dispatcher's ``run`` in a task, stopped and awaited (bounded) at the end."""

    def __init__(self, worker: Dispatcher) -> None:
        self.worker = worker
        self.stop = asyncio.Event()
        self.task = asyncio.create_task(worker.run(self.stop))

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, BOUND)


def worker(
    store: MemoryStore,
    channel: ScriptedChannel,
    settings: DispatchSettings = SETTINGS,
    clock: FixedClock | SystemClock | None = None,
) -> Dispatcher:
    return Dispatcher(store, {WEBHOOK: channel}, prepare, clock or FixedClock(), settings)


async def state_of(store: MemoryStore, key: str) -> NotificationState:
    return next(n.state for n in await store.notifications() if n.key == key)


async def test_the_wake_event_gets_a_new_notification_claimed_at_once() -> None:
    """With an hour-long poll, setting ``wake`` after enqueueing is what sends it."""
    store, channel = MemoryStore(), ScriptedChannel()
    running = Running(worker(store, channel))

    [wanted] = await seeded(store, ["a"])
    running.worker.wake.set()
    await asyncio.wait_for(channel.until_sent(1), BOUND)
    await running.finish()

    assert channel.sent == [wanted.key]
    assert await state_of(store, wanted.key) is NotificationState.DELIVERED


async def test_stopping_finishes_and_settles_what_is_in_flight() -> None:
    """A stop lets sends under way complete and be settled before run returns."""
    store, gate = MemoryStore(), asyncio.Event()
    channel = ScriptedChannel(gate=gate, expect=2)
    running = Running(worker(store, channel))
    wanted = await seeded(store, ["a", "b"])
    running.worker.wake.set()
    await asyncio.wait_for(channel.reached.wait(), BOUND)

    running.stop.set()
    gate.set()
    await running.finish()

    assert sorted(channel.sent) == sorted(n.key for n in wanted)
    assert {await state_of(store, n.key) for n in wanted} == {NotificationState.DELIVERED}


async def test_a_retry_this_worker_scheduled_wakes_it_when_due() -> None:
    """No wake, an hour-long poll: the worker's own retry time brings the second attempt."""
    clock = SystemClock()
    store = MemoryStore()
    [wanted] = await seeded(store, ["a"], created_at=clock.now())
    busy = DeliveryResult(DeliveryOutcome.RETRY, error="503")
    channel = ScriptedChannel(script={wanted.key: [busy]})
    quick = replace(SETTINGS, retry=RetryPolicy(timedelta(milliseconds=20)))
    running = Running(worker(store, channel, quick, clock))

    running.worker.wake.set()
    await asyncio.wait_for(channel.until_sent(2), BOUND)
    await running.finish()

    outcomes = [a.outcome for a in await store.attempts(wanted.key)]
    assert outcomes == [DeliveryOutcome.RETRY, DeliveryOutcome.DELIVERED]


async def test_the_poll_finds_rows_another_process_enqueued() -> None:
    """Without any wake-up, a short poll interval still picks new rows up."""
    store, channel = MemoryStore(), ScriptedChannel()
    polling = replace(SETTINGS, poll_interval=0.02)
    running = Running(worker(store, channel, polling))

    [wanted] = await seeded(store, ["a"])
    await asyncio.wait_for(channel.until_sent(1), BOUND)
    await running.finish()

    assert channel.sent == [wanted.key]


class FlakyStore(MemoryStore):
    """A memory store whose first claim fails as a database outage would."""

    def __init__(self) -> None:
        super().__init__()
        self.claims = 0

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        kinds: Set[ChannelKind] | None = None,
    ) -> list[Notification]:
        self.claims += 1
        if self.claims == 1:
            raise StoreError("database unreachable")
        return await super().claim(worker_id, now, lease, limit, kinds)


async def test_a_failed_claim_does_not_stop_the_worker() -> None:
    """A store outage while claiming is logged; the next round claims and delivers."""
    store, channel = FlakyStore(), ScriptedChannel()
    [wanted] = await seeded(store, ["a"])
    running = Running(worker(store, channel, replace(SETTINGS, poll_interval=0.02)))

    await asyncio.wait_for(channel.until_sent(1), BOUND)
    await running.finish()

    assert store.claims >= 2
    assert await state_of(store, wanted.key) is NotificationState.DELIVERED


class CountingStore(MemoryStore):
    """A memory store that counts the claim transactions asked of it."""

    def __init__(self) -> None:
        super().__init__()
        self.claims = 0
        self.claimed = asyncio.Event()

    async def claim(
        self,
        worker_id: str,
        now: datetime,
        lease: timedelta,
        limit: int,
        kinds: Set[ChannelKind] | None = None,
    ) -> list[Notification]:
        self.claims += 1
        try:
            return await super().claim(worker_id, now, lease, limit, kinds)
        finally:
            self.claimed.set()


async def recorded_with_handover(
    store: MemoryStore, dispatcher: Dispatcher, contacts: list[str]
) -> list[Notification]:
    """Record the sample message with notifications to ``contacts`` as the accept stage does:
    slots reserved first, the rows written claimed, then handed over."""
    rec = record("m1")
    wanted = [notification(rec, c) for c in contacts]
    handover = dispatcher.reserve(wanted, T0)
    await store.record(rec, transition(rec), accepted(rec), notifications=wanted, handover=handover)
    dispatcher.hand_over(wanted, handover)
    return wanted


async def test_handed_over_notifications_are_sent_without_a_claim() -> None:
    """Once running, a handover is delivered and settled with no claim transaction."""
    store, channel = CountingStore(), ScriptedChannel()
    running = Running(worker(store, channel))
    await asyncio.wait_for(store.claimed.wait(), BOUND)

    wanted = await recorded_with_handover(store, running.worker, ["a", "b"])
    await asyncio.wait_for(channel.until_sent(2), BOUND)
    await running.finish()

    assert sorted(channel.sent) == sorted(n.key for n in wanted)
    assert {await state_of(store, n.key) for n in wanted} == {NotificationState.DELIVERED}
    assert store.claims == 1  # the start-up claim only


async def test_a_handover_takes_only_free_slots_and_the_rest_is_claimed() -> None:
    """With a limit of 2, two of five rows are handed over; the others wait in the outbox
    unclaimed and are claimed as slots free up, so all five are delivered."""
    store, channel = CountingStore(), ScriptedChannel()
    narrow = replace(SETTINGS, concurrency=2)
    running = Running(worker(store, channel, narrow))
    await asyncio.wait_for(store.claimed.wait(), BOUND)

    wanted = await recorded_with_handover(store, running.worker, ["a", "b", "c", "d", "e"])
    await asyncio.wait_for(channel.until_sent(5), BOUND)
    await running.finish()

    assert sorted(channel.sent) == sorted(n.key for n in wanted)
    assert {await state_of(store, n.key) for n in wanted} == {NotificationState.DELIVERED}


async def test_slots_given_back_when_the_message_is_not_stored_serve_the_next() -> None:
    """A reservation given back (the write failed) leaves the worker's slots all free."""
    store, channel = MemoryStore(), ScriptedChannel()
    narrow = replace(SETTINGS, concurrency=1)
    dispatcher = worker(store, channel, narrow)
    rec = record("m1")
    lost = [notification(rec, "a")]

    dispatcher.give_back(dispatcher.reserve(lost, T0), lost)
    second = dispatcher.reserve([notification(rec, "b")], T0)

    assert second is not None
    assert second.worker_id == narrow.worker_id
    assert second.expires_at == T0 + narrow.lease
    assert dispatcher.reserve([notification(rec, "c")], T0) is None


async def test_a_handover_passes_its_message_on_for_preparing_without_a_read() -> None:
    """The stored message handed over with its notifications goes to ``remember`` (the
    preparation's cache) before any of them is sent."""
    store, channel = MemoryStore(), ScriptedChannel()
    remembered: list[str] = []
    dispatcher = Dispatcher(
        store,
        {WEBHOOK: channel},
        prepare,
        FixedClock(),
        SETTINGS,
        remember=lambda rec, _: remembered.append(rec.id),
    )
    rec = record("m1")
    wanted = [notification(rec, "a")]
    handover = dispatcher.reserve(wanted, T0)
    await store.record(rec, transition(rec), accepted(rec), notifications=wanted, handover=handover)

    alert = Alert(
        rec.key.identifier, rec.key.sender, T0, Status.EXERCISE, MsgType.ALERT, Scope.PUBLIC
    )

    dispatcher.hand_over(wanted, handover, (rec, alert))

    assert remembered == [rec.id]


async def test_drained_waits_for_every_send_in_flight_to_be_settled() -> None:
    """``drained`` returns at once when nothing is in flight; with a handover sending, only
    once each of its notifications is settled."""
    store, channel = CountingStore(), ScriptedChannel()
    running = Running(worker(store, channel))
    await asyncio.wait_for(store.claimed.wait(), BOUND)
    await asyncio.wait_for(running.worker.drained(), BOUND)

    wanted = await recorded_with_handover(store, running.worker, ["a", "b"])
    waiting = asyncio.ensure_future(running.worker.drained())
    assert not waiting.done()
    await asyncio.wait_for(waiting, BOUND)
    states = {await state_of(store, n.key) for n in wanted}
    await running.finish()

    assert states == {NotificationState.DELIVERED}

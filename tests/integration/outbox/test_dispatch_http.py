"""The dispatch worker over a real database and real HTTP: retries, failures, dedup, limits."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import update
from tests.fakes.receiver import Reply
from tests.integration.outbox.conftest import Outbox, everything_shared
from tests.integration.store.samples import T0

from tanbih.adapters.store import SqlStore, open_store
from tanbih.adapters.store.engine import create_engine, writer
from tanbih.adapters.store.schema import notifications
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome, NotificationState
from tanbih.domain.retry import RetryPolicy
from tanbih.pipeline.delivery_attempt import DispatchSettings
from tanbih.pipeline.dispatch import Dispatcher
from tanbih.pipeline.prepare import PrepareDelivery
from tanbih.ports import Channel

SECOND = timedelta(seconds=1)
SETTINGS = DispatchSettings(
    worker_id="w1",
    concurrency=4,
    send_timeout=2.0,
    lease=30 * SECOND,
    poll_interval=3600.0,
    retry=RetryPolicy(SECOND, 2.0, 30 * SECOND),
)
BOUND = 10.0  # seconds any wait here may take before it counts as a failure

NODE_SECRET = b"dispatch-test-node-secret-" + b"x" * 32


class SetClock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


def dispatcher(
    store: SqlStore,
    webhook: Channel,
    clock: SetClock,
    settings: DispatchSettings = SETTINGS,
) -> Dispatcher:
    """A worker sending webhooks with the stored CAP bytes (everything is shared), its jitter
    always one half."""
    channels = {ChannelKind.WEBHOOK: webhook}
    prepare = PrepareDelivery(store, clock, NODE_SECRET, "http://node.example", everything_shared())
    return Dispatcher(store, channels, prepare, clock, settings, jitter=lambda: 0.5)


async def test_a_503_is_retried_at_the_computed_time_with_the_same_key(outbox: Outbox) -> None:
    """A 503 is logged as a retry due at now + ½ × 1 s; then the same key is delivered."""
    [wanted] = outbox.notifications(1)
    await outbox.store.enqueue([wanted])
    outbox.receiver.reply_next(Reply(status=503))
    clock = SetClock()
    worker = dispatcher(outbox.store, outbox.webhook, clock)

    await worker.dispatch_once(clock.now())
    clock.at = T0 + SECOND * 0.4
    early = await worker.dispatch_once(clock.now())
    clock.at = T0 + SECOND / 2
    due = await worker.dispatch_once(clock.now())

    assert (early, due) == (0, 1)
    first, second = await outbox.store.attempts(wanted.key)
    assert (first.outcome, second.outcome) == (DeliveryOutcome.RETRY, DeliveryOutcome.DELIVERED)
    assert "503" in (first.error or "")
    assert [r.headers["idempotency-key"] for r in outbox.receiver.requests] == [wanted.key] * 2
    [stored] = await outbox.store.notifications()
    assert (stored.state, stored.attempts) == (NotificationState.DELIVERED, 2)


async def test_a_404_fails_at_once_for_escalation_to_take_over(outbox: Outbox) -> None:
    """A 4xx is permanent: failed after one attempt, never sent again."""
    [wanted] = outbox.notifications(1)
    await outbox.store.enqueue([wanted])
    outbox.receiver.reply_next(Reply(status=404))
    clock = SetClock()
    worker = dispatcher(outbox.store, outbox.webhook, clock)

    await worker.dispatch_once(clock.now())
    clock.at += timedelta(minutes=1)

    assert await worker.dispatch_once(clock.now()) == 0
    [stored] = await outbox.store.notifications()
    assert stored.state is NotificationState.FAILED
    assert [a.outcome for a in await outbox.store.attempts(wanted.key)] == [DeliveryOutcome.FAILED]
    assert len(outbox.receiver.requests) == 1


async def test_a_delivered_row_requeued_by_hand_is_suppressed(
    outbox: Outbox, store_url: str
) -> None:
    """Dedup against the delivery log: a row put back to pending in SQL is not sent twice."""
    [wanted] = outbox.notifications(1)
    await outbox.store.enqueue([wanted])
    clock = SetClock()
    worker = dispatcher(outbox.store, outbox.webhook, clock)
    await worker.dispatch_once(clock.now())
    engine = create_engine(store_url)
    try:
        async with writer(engine).begin() as conn:
            await conn.execute(update(notifications).values(state="pending"))
    finally:
        await engine.dispose()

    assert await worker.dispatch_once(clock.now()) == 1
    [stored] = await outbox.store.notifications()
    assert stored.state is NotificationState.SUPPRESSED
    assert len(outbox.receiver.requests) == 1


async def test_the_channel_limit_holds_over_http(outbox: Outbox) -> None:
    """With a limit of 2 and slow answers, 2 requests are open and the rest stay unclaimed."""
    wanted = outbox.notifications(6)
    await outbox.store.enqueue(wanted)
    gate = asyncio.Event()
    for _ in wanted:
        outbox.receiver.reply_next(Reply(hold=gate))
    clock = SetClock()
    worker = dispatcher(outbox.store, outbox.webhook, clock, replace(SETTINGS, concurrency=2))

    first_round = asyncio.create_task(worker.dispatch_once(clock.now()))
    await outbox.receiver.wait_for(2, within=BOUND)
    unclaimed = await outbox.store.claim("probe", clock.now(), timedelta(0), limit=100)
    open_requests = len(outbox.receiver.requests)
    gate.set()
    await asyncio.wait_for(first_round, BOUND)
    while await worker.dispatch_once(clock.now()):
        pass

    assert open_requests == 2
    assert len(unclaimed) == 4
    assert Counter(r.headers["idempotency-key"] for r in outbox.receiver.requests) == {
        n.key: 1 for n in wanted
    }


async def test_two_workers_on_one_database_send_each_notification_once(
    outbox: Outbox, store_url: str
) -> None:
    """Scale-out: two worker processes' stores share the outbox; without a crash, exactly once."""
    wanted = outbox.notifications(120)
    other = await open_store(store_url)
    clock, stop = SetClock(), asyncio.Event()
    workers = [
        dispatcher(outbox.store, outbox.webhook, clock, replace(SETTINGS, worker_id="w1")),
        dispatcher(other, outbox.webhook, clock, replace(SETTINGS, worker_id="w2")),
    ]
    try:
        runs = [asyncio.create_task(w.run(stop)) for w in workers]
        await outbox.store.enqueue(wanted)
        for worker in workers:
            worker.wake.set()
        await outbox.receiver.wait_for(len(wanted), within=BOUND * 3)
        stop.set()
        await asyncio.wait_for(asyncio.gather(*runs), BOUND)
    finally:
        await other.close()

    keys = Counter(r.headers["idempotency-key"] for r in outbox.receiver.requests)
    assert keys == {n.key: 1 for n in wanted}
    assert {n.state for n in await outbox.store.notifications()} == {NotificationState.DELIVERED}

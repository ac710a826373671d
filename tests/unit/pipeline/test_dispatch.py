"""One dispatch round (``dispatch_once``) over the memory store, a set clock and channel doubles."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from tests.integration.store.outbox_samples import attempt
from tests.unit.pipeline.dispatch_doubles import (
    SECOND,
    SETTINGS,
    FixedClock,
    Observed,
    ScriptedChannel,
    prepare,
    seeded,
)

from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import (
    DeliveryOutcome,
    DeliveryResult,
    Notification,
    NotificationState,
)
from tanbih.pipeline.delivery_attempt import DispatchSettings
from tanbih.pipeline.dispatch import Dispatcher

WEBHOOK, SMS = ChannelKind.WEBHOOK, ChannelKind.SMS
RETRY = DeliveryResult(DeliveryOutcome.RETRY, error="503")
GONE = DeliveryResult(DeliveryOutcome.FAILED, error="410")


def dispatcher(
    store: MemoryStore,
    channels: dict[ChannelKind, ScriptedChannel],
    clock: FixedClock,
    settings: DispatchSettings = SETTINGS,
    observed: Observed | None = None,
) -> Dispatcher:
    """A dispatcher whose jitter is always one half of the backoff ceiling."""
    return Dispatcher(
        store, channels, prepare, clock, settings, jitter=lambda: 0.5, on_settled=observed
    )


async def states(store: MemoryStore) -> dict[str, NotificationState]:
    return {n.recipient.contact_id: n.state for n in await store.notifications()}


async def test_a_round_delivers_each_due_notification_once_and_settles_it() -> None:
    """Every claimed notification is sent once, settled delivered, its attempt logged."""
    store, clock, channel, observed = MemoryStore(), FixedClock(), ScriptedChannel(), Observed()
    wanted = await seeded(store, ["a", "b", "c"])

    claimed = await dispatcher(store, {WEBHOOK: channel}, clock, observed=observed).dispatch_once(
        clock.now()
    )

    assert claimed == 3
    assert sorted(channel.sent) == sorted(n.key for n in wanted)
    assert set((await states(store)).values()) == {NotificationState.DELIVERED}
    [logged] = await store.attempts(wanted[0].key)
    assert (logged.outcome, logged.provider_id, logged.at) == (
        DeliveryOutcome.DELIVERED,
        "p1",
        clock.now(),
    )
    assert observed.attempts == {"delivered": 3}


async def test_a_retryable_failure_comes_due_at_the_policys_time() -> None:
    """A 503 leaves the row pending until now + jitter × ceiling, then it is sent again."""
    store, clock = MemoryStore(), FixedClock()
    [wanted] = await seeded(store, ["a"])
    channel = ScriptedChannel(script={wanted.key: [RETRY]})
    worker = dispatcher(store, {WEBHOOK: channel}, clock)

    await worker.dispatch_once(clock.now())
    [pending] = await store.notifications()
    retry_at = clock.now() + SECOND / 2  # jitter 0.5 × the first ceiling, 1 s
    clock.at = retry_at - SECOND / 10
    early = await worker.dispatch_once(clock.now())
    clock.at = retry_at
    due = await worker.dispatch_once(clock.now())

    assert (pending.state, pending.attempts, pending.next_attempt_at) == (
        NotificationState.PENDING,
        1,
        retry_at,
    )
    assert (early, due) == (0, 1)
    assert channel.sent == [wanted.key, wanted.key]
    assert [a.outcome for a in await store.attempts(wanted.key)] == [
        DeliveryOutcome.RETRY,
        DeliveryOutcome.DELIVERED,
    ]
    assert (await states(store))["a"] is NotificationState.DELIVERED


async def test_a_permanent_failure_is_not_retried() -> None:
    """A 4xx-like failure settles failed at once, whatever time is left."""
    store, clock = MemoryStore(), FixedClock()
    [wanted] = await seeded(store, ["a"])
    channel = ScriptedChannel(script={wanted.key: [GONE]})
    worker = dispatcher(store, {WEBHOOK: channel}, clock)

    await worker.dispatch_once(clock.now())
    clock.at += timedelta(minutes=1)

    assert await worker.dispatch_once(clock.now()) == 0
    assert (await states(store))["a"] is NotificationState.FAILED
    assert channel.sent == [wanted.key]


async def test_a_retry_that_would_fall_after_the_deadline_fails_now() -> None:
    """Escalation takes over: a retryable failure too close to the deadline settles failed."""
    store = MemoryStore()
    [wanted] = await seeded(store, ["a"])
    clock = FixedClock(wanted.deadline - SECOND / 10)  # the next retry would be 0.5 s away
    channel = ScriptedChannel(script={wanted.key: [RETRY]})

    await dispatcher(store, {WEBHOOK: channel}, clock).dispatch_once(clock.now())

    [failed] = await store.notifications()
    assert (failed.state, failed.attempts, failed.next_attempt_at) == (
        NotificationState.FAILED,
        1,
        None,
    )


async def test_a_notification_past_its_deadline_fails_unsent() -> None:
    """Once the deadline has passed nothing is sent and no attempt is logged."""
    store, channel = MemoryStore(), ScriptedChannel()
    [wanted] = await seeded(store, ["a"])
    clock = FixedClock(wanted.deadline + SECOND)

    await dispatcher(store, {WEBHOOK: channel}, clock).dispatch_once(clock.now())

    assert channel.sent == []
    assert (await states(store))["a"] is NotificationState.FAILED
    assert await store.attempts(wanted.key) == []


async def test_a_key_the_delivery_log_shows_delivered_is_suppressed_not_sent() -> None:
    """Dedup: a row put back to pending after delivery (a manual requeue) is not sent again."""
    store, clock, channel = MemoryStore(), FixedClock(), ScriptedChannel()
    [wanted] = await seeded(store, ["a"])
    done = attempt(wanted.key, DeliveryOutcome.DELIVERED)
    await store.settle(wanted.key, done, NotificationState.PENDING, now=clock.now())

    await dispatcher(store, {WEBHOOK: channel}, clock).dispatch_once(clock.now())

    assert channel.sent == []
    assert (await states(store))["a"] is NotificationState.SUPPRESSED
    assert await store.attempts(wanted.key) == [done]


async def test_no_more_than_the_channel_limit_is_in_flight_per_kind() -> None:
    """Each kind has its own limit; the rest wait in the outbox, unclaimed, for a free slot."""
    store, clock, gate = MemoryStore(), FixedClock(), asyncio.Event()
    hooks = await seeded(store, [f"h{i}" for i in range(7)])
    texts = await seeded(store, [f"s{i}" for i in range(5)], SMS)
    webhook = ScriptedChannel(gate=gate, expect=3)
    sms = ScriptedChannel(gate=gate, expect=2)
    limits = replace(SETTINGS, concurrency=3, limits={SMS: 2})
    worker = dispatcher(store, {WEBHOOK: webhook, SMS: sms}, clock, limits)

    first_round = asyncio.create_task(worker.dispatch_once(clock.now()))
    await asyncio.wait_for(asyncio.gather(webhook.reached.wait(), sms.reached.wait()), 5)
    # A probe with a zero lease sees what is still unclaimed without holding it.
    claimed_meanwhile = await store.claim("probe", clock.now(), timedelta(0), limit=100)
    gate.set()
    await first_round
    while await worker.dispatch_once(clock.now()):
        pass

    assert (webhook.peak, sms.peak) == (3, 2)
    assert len(claimed_meanwhile) == len(hooks) + len(texts) - 5
    assert sorted(webhook.sent + sms.sent) == sorted(n.key for n in hooks + texts)
    assert set((await states(store)).values()) == {NotificationState.DELIVERED}


async def test_notifications_of_a_kind_without_a_channel_stay_in_the_outbox() -> None:
    """A worker claims only the kinds it can send; others are left for a worker that can."""
    store, clock, channel = MemoryStore(), FixedClock(), ScriptedChannel()
    await seeded(store, ["s"], SMS)

    assert await dispatcher(store, {WEBHOOK: channel}, clock).dispatch_once(clock.now()) == 0
    assert (await states(store))["s"] is NotificationState.PENDING


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (RuntimeError("socket closed"), "RuntimeError: socket closed"),
        (DeliveryResult(DeliveryOutcome.RETRY, error="429"), "429"),
    ],
)
async def test_a_channel_that_raises_is_retried_like_a_retryable_failure(
    answer: DeliveryResult | BaseException, error: str
) -> None:
    """An exception from a channel becomes a retryable attempt with its text; the worker lives."""
    store, clock = MemoryStore(), FixedClock()
    [wanted] = await seeded(store, ["a"])
    channel = ScriptedChannel(script={wanted.key: [answer]})

    await dispatcher(store, {WEBHOOK: channel}, clock).dispatch_once(clock.now())

    [logged] = await store.attempts(wanted.key)
    assert (logged.outcome, logged.error) == (DeliveryOutcome.RETRY, error)
    assert (await states(store))["a"] is NotificationState.PENDING


async def test_a_send_that_outlasts_the_timeout_is_retried() -> None:
    """A channel that never answers is cut off at send_timeout and the attempt is a retry."""
    store, clock = MemoryStore(), FixedClock()
    [wanted] = await seeded(store, ["a"])
    silent = ScriptedChannel(gate=asyncio.Event())  # never opened
    quick = replace(SETTINGS, send_timeout=0.05)

    await dispatcher(store, {WEBHOOK: silent}, clock, quick).dispatch_once(clock.now())

    [logged] = await store.attempts(wanted.key)
    assert (logged.outcome, logged.error) == (DeliveryOutcome.RETRY, "no answer within 0.05 s")
    assert logged.duration_ms >= 50


async def test_a_failing_prepare_is_a_retryable_attempt() -> None:
    """If the delivery cannot be built (e.g. the store blinked), the attempt is retried."""
    store, clock, channel = MemoryStore(), FixedClock(), ScriptedChannel()
    [wanted] = await seeded(store, ["a"])

    async def broken(_: Notification) -> object:
        raise LookupError("alert bytes missing")

    worker = Dispatcher(store, {WEBHOOK: channel}, broken, clock, SETTINGS)  # type: ignore[arg-type]
    await worker.dispatch_once(clock.now())

    [logged] = await store.attempts(wanted.key)
    assert logged.error == "LookupError: alert bytes missing"
    assert channel.sent == []


async def test_the_observer_hears_every_settlement_with_its_attempt() -> None:
    """on_settled gets the notification as settled and the attempt, for metrics."""
    store, clock, observed = MemoryStore(), FixedClock(), Observed()
    retried, gone = await seeded(store, ["a", "b"])
    channel = ScriptedChannel(script={retried.key: [RETRY], gone.key: [GONE]})

    await dispatcher(store, {WEBHOOK: channel}, clock, observed=observed).dispatch_once(clock.now())

    assert observed.states == {retried.key: ["pending"], gone.key: ["failed"]}
    assert observed.attempts == {"retry": 1, "failed": 1}


@pytest.mark.parametrize(
    "changes",
    [{"lease": timedelta(seconds=5), "send_timeout": 5.0}, {"concurrency": 0}],
)
def test_settings_that_would_resend_or_stall_are_refused(changes: dict[str, object]) -> None:
    """A lease no longer than a send, or a channel with no slot, is a configuration error."""
    with pytest.raises(ValueError, match=r"lease|slot"):
        replace(SETTINGS, **changes)  # type: ignore[arg-type]

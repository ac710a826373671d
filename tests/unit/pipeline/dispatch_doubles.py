"""Doubles for the dispatch tests: a settable clock, a scripted channel, a prepare function."""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tests.integration.store.outbox_samples import notification
from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.adapters.memory_store import MemoryStore
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import (
    Attempt,
    Delivery,
    DeliveryOutcome,
    DeliveryResult,
    Notification,
    Wording,
)
from tanbih.domain.records import AlertRecord
from tanbih.domain.retry import RetryPolicy
from tanbih.pipeline.delivery_attempt import DispatchSettings

SECOND = timedelta(seconds=1)
POLICY = RetryPolicy(SECOND, 2.0, 30 * SECOND)
DELIVERED = DeliveryResult(DeliveryOutcome.DELIVERED, provider_id="p1")


class FixedClock:
    """A clock that says what the test sets."""

    def __init__(self, now: datetime = T0) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at


@dataclass
class ScriptedChannel:
    """Answers each send from a per-key script (then ``DELIVERED``), counting what it sees.

    With ``gate`` set, every send waits for it; ``in_flight`` and ``peak`` count concurrent
    sends, and ``reached`` is set once ``expect`` sends are in flight at once.
    """

    script: dict[str, list[DeliveryResult | BaseException]] = field(default_factory=dict)
    gate: asyncio.Event | None = None
    expect: int = 0
    sent: list[str] = field(default_factory=list)
    in_flight: int = 0
    peak: int = 0
    reached: asyncio.Event = field(default_factory=asyncio.Event)
    each_sent: asyncio.Event = field(default_factory=asyncio.Event)

    async def send(self, delivery: Delivery) -> DeliveryResult:
        key = delivery.notification.key
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        if self.expect and self.in_flight >= self.expect:
            self.reached.set()
        try:
            if self.gate is not None:
                await self.gate.wait()
            self.sent.append(key)
            self.each_sent.set()
            answers = self.script.get(key)
            answer = answers.pop(0) if answers else DELIVERED
            if isinstance(answer, BaseException):
                raise answer
            return answer
        finally:
            self.in_flight -= 1

    async def until_sent(self, count: int) -> None:
        """Return once ``count`` sends have been made."""
        while len(self.sent) < count:
            self.each_sent.clear()
            await self.each_sent.wait()


async def prepare(n: Notification) -> Delivery:
    """A delivery with fixed words: the channels under test never read them."""
    words = Wording(n.recipient.language, "subject", "headline", "body", "spoken")
    return Delivery(n, b"<alert/>", words, "1234", "https://node.example/ack/t", n.alert_id)


# A 30 s lease, a 5 s send timeout; only events wake ``run`` unless a test sets a poll interval.
SETTINGS = DispatchSettings(
    worker_id="w1",
    concurrency=4,
    send_timeout=5.0,
    lease=30 * SECOND,
    poll_interval=3600.0,
    retry=POLICY,
)


async def seeded(
    store: MemoryStore,
    contacts: Iterable[str],
    kind: ChannelKind = ChannelKind.WEBHOOK,
    created_at: datetime = T0,
) -> list[Notification]:
    """Store a message with one notification per contact on ``kind``; the notifications."""
    rec = await stored(store)
    wanted = [notification(rec, c, kind, created_at=created_at) for c in contacts]
    await store.enqueue(wanted)
    return wanted


async def stored(store: MemoryStore) -> AlertRecord:
    """The sample message, recorded once per store."""
    rec = record("m1")
    if await store.get(rec.id) is None:
        await store.record(rec, transition(rec), accepted(rec))
    return rec


@dataclass
class Observed:
    """What the dispatcher told its observer: states by key and attempts seen."""

    states: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    attempts: Counter[str] = field(default_factory=Counter)

    def __call__(self, settled: Notification, attempt: Attempt | None) -> None:
        self.states[settled.key].append(settled.state.value)
        if attempt is not None:
            self.attempts[attempt.outcome.value] += 1

"""The dispatch stage: deliver what the outbox holds and record what became of each attempt.

Each notification claimed from the outbox goes through Alertmanager's notify pipeline::

    slot on its channel ─► dedup against the delivery log ─► prepare ─► send (with a timeout)
      ─► settle: delivered │ pending until the retry policy's time │ failed (permanent, deadline)

A slot is taken before a row is claimed and given back only once the row is settled, so a
channel kind never has more than its limit in flight, and no claimed row waits for a slot
while its lease runs. The accept stage of the same process hands a new message's
notifications over directly (:meth:`Dispatcher.reserve`, :meth:`Dispatcher.hand_over`): they
are written already claimed, and the first send waits for no claim transaction.

Delivery is at least once: a notification sent but not yet settled when the worker dies is
sent again, with the same idempotency key, once its lease runs out; at most one channel
limit's worth per kind can be repeated that way.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import (
    Attempt,
    Handover,
    Notification,
    NotificationState,
    Settling,
)
from tanbih.domain.records import AlertRecord
from tanbih.domain.retry import next_attempt, state_after
from tanbih.errors import StoreError
from tanbih.pipeline.delivery_attempt import DispatchSettings, Prepare, attempt_once
from tanbih.pipeline.settle_batch import SettleBatches
from tanbih.ports import Channel, Clock, OutboxStore

log = logging.getLogger(__name__)

SettledObserver = Callable[[Notification, Attempt | None], None]
"""Told of every settlement: the notification as settled, and the attempt made, if any."""


class Dispatcher:
    """One dispatch worker: claims due notifications, delivers them, settles them."""

    def __init__(
        self,
        store: OutboxStore,
        channels: Mapping[ChannelKind, Channel],
        prepare: Prepare,
        clock: Clock,
        settings: DispatchSettings,
        *,
        wake: asyncio.Event | None = None,
        jitter: Callable[[], float] = random.random,
        on_settled: SettledObserver | None = None,
        remember: Callable[[AlertRecord, Alert], None] | None = None,
    ) -> None:
        self._store = store
        self._settler = SettleBatches(store)
        self._channels = dict(channels)
        self._prepare = prepare
        self._clock = clock
        self._settings = settings
        self._wake = wake if wake is not None else asyncio.Event()
        self._jitter = jitter
        self._on_settled = on_settled
        self._remember = remember
        # Slots in use per channel kind: a row is claimed or handed over only into a free one.
        self._busy = dict.fromkeys(self._channels, 0)
        self._slot_freed = asyncio.Event()
        # Set while no slot is in use: nothing claimed or handed over waits to be settled.
        self._drained = asyncio.Event()
        self._drained.set()
        # Whether the last claim stopped for want of slots: rows may be waiting for one.
        self._backlog = False
        self._handed: list[Notification] = []
        self._handed_ready = asyncio.Event()
        self._retries_due: list[datetime] = []  # a heap of the retries this worker scheduled

    @property
    def wake(self) -> asyncio.Event:
        """Set it after enqueueing notifications: the worker claims them at once."""
        return self._wake

    def reserve(self, notifications: Sequence[Notification], now: datetime) -> Handover | None:
        """Take a free slot for each of ``notifications`` that has one, before they are stored.

        The handover names them; stored with it, they are claimed by this worker from the
        start. ``None`` when no slot is free. Give the slots back with :meth:`give_back` if the
        notifications are not stored, or start them with :meth:`hand_over` once they are.
        """
        keys: set[str] = set()
        for notification in notifications:
            kind = notification.recipient.channel.kind
            if notification.key in keys or kind not in self._busy:
                continue
            if self._busy[kind] < self._settings.limit(kind):
                self._busy[kind] += 1
                self._drained.clear()
                keys.add(notification.key)
        if not keys:
            return None
        expires = now + self._settings.lease
        return Handover(self._settings.worker_id, expires, frozenset(keys))

    def hand_over(
        self,
        notifications: Sequence[Notification],
        handover: Handover | None,
        message: tuple[AlertRecord, Alert] | None = None,
    ) -> None:
        """Start delivering the stored notifications ``handover`` reserved; wake the worker to
        claim the others. ``message``, the one they tell, spares preparing them a read."""
        if message is not None and self._remember is not None:
            self._remember(*message)
        taken = set() if handover is None else handover.keys
        handed = {n.key: n for n in notifications if n.key in taken}
        self._handed.extend(handed.values())
        if handed:
            self._handed_ready.set()
        if len(handed) < len({n.key for n in notifications}):
            self._wake.set()

    def give_back(self, handover: Handover | None, notifications: Sequence[Notification]) -> None:
        """Free the slots ``handover`` took for ``notifications`` that were not stored."""
        if handover is None:
            return
        for notification in {n.key: n for n in notifications}.values():
            if notification.key in handover.keys:
                self._release(notification)

    async def dispatch_once(self, now: datetime) -> int:
        """Claim what is due at ``now`` (as many as there are free slots), deliver and settle
        all of it; returns how many notifications were claimed.
        """
        claimed = await self._claim(now)
        async with asyncio.TaskGroup() as group:
            for notification, delivered in claimed:
                group.create_task(self._deliver(notification, delivered))
        return len(claimed)

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set, then finish what is in flight.

        Starts handed-over notifications as soon as they come. Claims again when woken, when a
        slot frees while rows wait for one, when a retry this worker set comes due, and at least
        every ``poll_interval`` (rows enqueued by other processes, expired leases).
        """
        claim = True
        async with asyncio.TaskGroup() as group:
            while not stop.is_set():
                # Cleared before claiming, so a wake-up during the claim is not lost.
                self._wake.clear()
                self._slot_freed.clear()
                self._handed_ready.clear()
                handed, self._handed = self._handed, []
                for notification in handed:
                    # A new key, just stored: nothing in the delivery log to look up.
                    group.create_task(self._deliver(notification, False))
                now = self._clock.now()
                while self._retries_due and self._retries_due[0] <= now:
                    heapq.heappop(self._retries_due)
                    claim = True
                if claim:
                    for notification, delivered in await self._claim(now):
                        group.create_task(self._deliver(notification, delivered))
                claim = await self._idle(stop)

    async def _claim(self, now: datetime) -> list[tuple[Notification, bool]]:
        """Claim due rows for the free slots, asking every kind with a free slot at once.

        Each claim asks for at most as many rows as the open kind with the fewest free slots
        has, so whatever kinds the rows are, each has a slot; it claims again while rows keep
        coming and slots remain. When little is due that is one transaction per wake-up, not
        one per channel kind.
        Each row comes with whether the delivery log already shows it delivered (dedup); a row
        is sent right after its claim, so one look at the log per claim is as fresh as one per
        send. A failed claim is logged and left for the next round.
        """
        claimed: list[Notification] = []
        self._backlog = False
        while True:
            free = {kind: self._settings.limit(kind) - count for kind, count in self._busy.items()}
            open_kinds = {kind for kind, count in free.items() if count > 0}
            if not open_kinds:
                self._backlog = True
                break
            limit = min(free[kind] for kind in open_kinds)
            try:
                rows = await self._store.claim(
                    self._settings.worker_id, now, self._settings.lease, limit, open_kinds
                )
            except StoreError:
                log.exception("claiming notifications failed; trying again soon")
                break
            for notification in rows:
                # The limit above left a slot of this kind for every row.
                self._busy[notification.recipient.channel.kind] += 1
                self._drained.clear()
            claimed.extend(rows)
            if len(rows) < limit:
                break  # the outbox has nothing more due: one transaction when idle
        try:
            delivered = await self._store.delivered(n.key for n in claimed) if claimed else set()
        except StoreError:
            for notification in claimed:
                self._release(notification)
            log.exception("reading the delivery log failed; the claims will expire")
            return []
        return [(n, n.key in delivered) for n in claimed]

    async def drained(self) -> None:
        """Return once nothing is in flight: every notification claimed or handed over to this
        worker is settled (or given back)."""
        await self._drained.wait()

    def _release(self, notification: Notification) -> None:
        self._busy[notification.recipient.channel.kind] -= 1
        self._slot_freed.set()
        if not any(self._busy.values()):
            self._drained.set()

    async def _deliver(self, notification: Notification, delivered: bool) -> None:
        """Deliver one claimed notification and settle it, then give its slot back."""
        try:
            await self._attempt(notification, delivered)
        except StoreError:
            # Unsettled, the row stays claimed; it is tried again when the lease runs out.
            log.exception("could not settle notification %s", notification.key)
        finally:
            self._release(notification)

    async def _attempt(self, notification: Notification, delivered: bool) -> None:
        now = self._clock.now()
        if now > notification.deadline:
            failed = NotificationState.FAILED
            await self._settle(notification, None, failed, None, now, "deadline passed unsent")
            return
        if delivered:
            # Put back to pending after delivery (a requeue by hand, a restored backup...).
            suppressed = NotificationState.SUPPRESSED
            await self._settle(notification, None, suppressed, None, now, "already delivered")
            return
        channel = self._channels[notification.recipient.channel.kind]
        result, duration_ms = await attempt_once(
            notification, self._prepare, channel, self._settings.send_timeout
        )
        done = self._clock.now()
        retry_at = next_attempt(
            notification.attempts + 1,
            result,
            done,
            notification.deadline,
            self._settings.retry,
            self._jitter(),
        )
        attempt = Attempt(
            notification.key, now, result.outcome, result.provider_id, result.error, duration_ms
        )
        out_of_time = result.retryable and retry_at is None
        error = f"deadline reached; last error: {result.error}" if out_of_time else None
        await self._settle(
            notification, attempt, state_after(result, retry_at), retry_at, done, error
        )

    async def _settle(
        self,
        notification: Notification,
        attempt: Attempt | None,
        state: NotificationState,
        retry_at: datetime | None,
        now: datetime,
        error: str | None,
    ) -> None:
        await self._settler.settle(Settling(notification.key, attempt, state, retry_at, now, error))
        if retry_at is not None:
            heapq.heappush(self._retries_due, retry_at)
        if state is not NotificationState.DELIVERED and error is not None:
            log.warning("notification %s %s: %s", notification.key, state, error)
        if self._on_settled is not None:
            attempts = notification.attempts + (0 if attempt is None else 1)
            settled = replace(
                notification, state=state, attempts=attempts, next_attempt_at=retry_at
            )
            self._on_settled(settled, attempt)

    async def _idle(self, stop: asyncio.Event) -> bool:
        """Wait for a stop, a wake-up, a freed slot, a handover, a retry of ours, or the poll
        interval; whether the outbox should be claimed from next.

        A handover alone needs no claim, nor does a freed slot when no row waits for one: a
        claim is a write transaction, and the next message's accept would wait for it.
        """
        timeout = self._settings.poll_interval
        if self._retries_due:
            until_retry = (self._retries_due[0] - self._clock.now()).total_seconds()
            timeout = max(0.0, min(timeout, until_retry))
        events = (stop, self._wake, self._slot_freed, self._handed_ready)
        waiters = [asyncio.ensure_future(e.wait()) for e in events]
        try:
            done, _ = await asyncio.wait(
                waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            for waiter in waiters:
                waiter.cancel()
        return not done or self._wake.is_set() or (self._slot_freed.is_set() and self._backlog)

"""The escalate stage: stored timers tell more people while nobody of a partner acknowledged.

A timer per (event, partner) is started by the route stage; each due step of the partner's
policy queues notifications of the event's latest message, and the timer is advanced in the
same transaction, so a restart neither loses a step nor repeats one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from tanbih import cap
from tanbih.domain.coalition import Coalition
from tanbih.domain.delivery_log import repeat_key
from tanbih.domain.escalation import DueStep, advance, step_recipients
from tanbih.domain.notification import EscalationTimer, Notification, Recipient
from tanbih.domain.records import AlertRecord, alert_id
from tanbih.errors import CapError, StoreError
from tanbih.pipeline.notify_plan import DEFAULT_DELIVERY_DEADLINE, notification_for
from tanbih.pipeline.release import Releasability
from tanbih.ports import Clock, NodeStore

log = logging.getLogger(__name__)

# Timers are stored; between wake-ups a due step waits at most this long.
POLL_SECONDS = 1.0


class Escalator:
    """Advances due escalation timers and queues their steps' notifications."""

    def __init__(
        self,
        store: NodeStore,
        coalition: Coalition,
        clock: Clock,
        releasability: Releasability,
        deadline: timedelta = DEFAULT_DELIVERY_DEADLINE,
        *,
        queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._store = store
        self._coalition = coalition
        self._clock = clock
        self._releasability = releasability
        self._deadline = deadline
        self._queued = queued

    async def escalate_once(self, now: datetime) -> list[str]:
        """Queue every step due at ``now``; returns the keys of the notifications queued.

        ``queued`` (it wakes the dispatcher) is called once if any notification was queued.
        """
        queued: list[str] = []
        for timer in await self._store.due_timers(now):
            try:
                notifications, after = await self._step(timer, now)
            except CapError:
                # The event's stored message cannot be read back: the other timers go on.
                log.exception("escalation of %s for %s failed", timer.thread_id, timer.partner_id)
                continue
            queued.extend(await self._store.save_timers([after], notifications))
        if queued:
            self._queued()
        return queued

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        """Escalate until ``stop``: on every wake-up, and at least every ``POLL_SECONDS``."""
        while not stop.is_set():
            # Cleared before escalating, so a wake-up (a clock moved on) during it is not lost.
            wake.clear()
            try:
                await self.escalate_once(self._clock.now())
            except StoreError:
                # The store is away for a moment; the timers are still there next round.
                await asyncio.sleep(POLL_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=POLL_SECONDS)

    async def _step(
        self, timer: EscalationTimer, now: datetime
    ) -> tuple[list[Notification], EscalationTimer]:
        policy = self._coalition.escalation.for_partner(timer.partner_id)
        due, after = advance(timer, policy, now)
        threads = await self._store.threads([timer.thread_id])
        thread = threads.get(timer.thread_id)
        if thread is None:
            return [], replace(after, next_due_at=None, stopped_at=now)
        record = await self._store.get(alert_id(thread.latest.sender, thread.latest.identifier))
        if record is None:
            return [], replace(after, next_due_at=None, stopped_at=now)
        alert = cap.parse_stored(record.xml)
        languages = tuple(info.language for info in alert.infos)
        # The timer is one partner's: its recipients all know the message by one id.
        level = self._releasability.level_of(record, timer.partner_id, alert)
        known_id = self._releasability.known_id(record, level)
        notifications = [
            self._notification(record, known_id, recipient, step, now)
            for step in due.steps
            for recipient in step_recipients(
                step.step, self._coalition, timer.partner_id, languages, now
            )
        ]
        return notifications, after

    def _notification(
        self,
        record: AlertRecord,
        known_id: str,
        recipient: Recipient,
        step: DueStep,
        now: datetime,
    ) -> Notification:
        """Step instance ``n`` is ``escalation_step`` n + 1 (0 is routing's notification); a
        later round's key differs, so a repeated step is not a duplicate of the first."""
        first = notification_for(record, recipient, now, self._deadline, known_id, step.index + 1)
        return replace(first, key=repeat_key(first.key, step.round))

"""The escalate stage: stored timers tell more people while nobody of a partner acknowledged.

A timer per (event, partner) is started by the route stage; each due step of the partner's
policy queues notifications of the event's latest message, and the timer is advanced in the
same transaction, so a restart neither loses a step nor repeats one.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from datetime import datetime, timedelta

from tanbih import cap
from tanbih.domain.coalition import Coalition
from tanbih.domain.delivery_log import repeat_key
from tanbih.domain.escalation import advance, step_recipients
from tanbih.domain.notification import EscalationTimer, Notification
from tanbih.domain.records import alert_id
from tanbih.errors import StoreError
from tanbih.pipeline.notify_plan import DEFAULT_DELIVERY_DEADLINE, notification_for
from tanbih.ports import Clock, NodeStore

# Timers are stored; between wake-ups a due step waits at most this long.
POLL_SECONDS = 1.0


class Escalator:
    """Advances due escalation timers and queues their steps' notifications."""

    def __init__(
        self,
        store: NodeStore,
        coalition: Coalition,
        clock: Clock,
        deadline: timedelta = DEFAULT_DELIVERY_DEADLINE,
    ) -> None:
        self._store = store
        self._coalition = coalition
        self._clock = clock
        self._deadline = deadline

    async def escalate_once(self, now: datetime) -> list[str]:
        """Queue every step due at ``now``; returns the keys of the notifications queued."""
        queued: list[str] = []
        for timer in await self._store.due_timers(now):
            notifications, after = await self._step(timer, now)
            queued.extend(await self._store.save_timers([after], notifications))
        return queued

    async def run(self, wake: asyncio.Event, stop: asyncio.Event) -> None:
        """Escalate until ``stop``: on every wake-up, and at least every ``POLL_SECONDS``."""
        while not stop.is_set():
            try:
                await self.escalate_once(self._clock.now())
            except StoreError:
                # The store is away for a moment; the timers are still there next round.
                await asyncio.sleep(POLL_SECONDS)
            wake.clear()
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
        languages = tuple(info.language for info in cap.parse_xml(record.xml).infos)
        notifications = [
            replace(
                notification_for(record, recipient, now, self._deadline, step.index),
                key=repeat_key(
                    notification_for(record, recipient, now, self._deadline).key, step.round
                ),
            )
            for step in due.steps
            for recipient in step_recipients(
                step.step, self._coalition, timer.partner_id, languages, now
            )
        ]
        return notifications, after

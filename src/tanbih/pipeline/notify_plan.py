"""The route stage: whom an accepted message must reach, and its event's escalation timers.

Runs inside the accept stage so the message, its notifications and its timers are written in
one transaction (the outbox): either the message is stored with everyone it must reach, or
nothing is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Coalition, Partner
from tanbih.domain.escalation import plan_message
from tanbih.domain.lifecycle import Rule
from tanbih.domain.notification import EscalationTimer, Notification, Recipient, notification_key
from tanbih.domain.records import AlertRecord
from tanbih.domain.routing import route
from tanbih.geo.area_owners import AreaOwners
from tanbih.ports import OutboxStore

# How long the outbox keeps retrying one notification before escalation takes over.
DEFAULT_DELIVERY_DEADLINE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class NotificationPlan:
    """The notifications to queue with a message and its event's timers after it."""

    notifications: tuple[Notification, ...] = ()
    timers: tuple[EscalationTimer, ...] = ()


def notification_for(
    record: AlertRecord, recipient: Recipient, now: datetime, deadline: timedelta, step: int = 0
) -> Notification:
    """One version of a message to one recipient, keyed for idempotency."""
    return Notification(
        key=notification_key(record.id, recipient.contact_id, recipient.channel),
        alert_id=record.id,
        status=record.status,
        recipient=recipient,
        escalation_step=step,
        created_at=now,
        deadline=now + deadline,
    )


class PlanNotifications:
    """Route a message through the coalition and plan its event's escalation."""

    def __init__(
        self,
        coalition: Coalition,
        owners: AreaOwners,
        store: OutboxStore,
        deadline: timedelta = DEFAULT_DELIVERY_DEADLINE,
    ) -> None:
        self._coalition = coalition
        self._owners = owners
        self._store = store
        self._deadline = deadline

    async def __call__(
        self, alert: Alert, record: AlertRecord, rule: Rule, source: Partner, now: datetime
    ) -> NotificationPlan:
        """Whom ``alert`` (stored as ``record`` under ``rule``) must reach, and the timers."""
        if rule in (Rule.ACKNOWLEDGE, Rule.REPORT_ERROR):
            return NotificationPlan()
        routing = route(self._coalition, alert, source.id, self._owners.partners(alert), now)
        earlier: Sequence[Notification] = ()
        timers: Sequence[EscalationTimer] = ()
        if rule is not Rule.ISSUE:
            earlier = await self._store.notifications(thread_id=record.thread_id)
            timers = await self._store.timers(record.thread_id)
        plan = plan_message(
            rule, record.thread_id, routing, earlier, timers, self._coalition.escalation, now
        )
        notifications = tuple(
            notification_for(record, recipient, now, self._deadline) for recipient in plan.notify
        )
        return NotificationPlan(notifications, tuple(plan.timers))

"""The route stage: whom an accepted message must reach, and its event's escalation timers.

Runs inside the accept stage so the message, its notifications and its timers are written in
one transaction (the outbox): either the message is stored with everyone it must reach, or
nothing is.

Releasability applies here first: a partner the sharing matrix gives ``none`` for the
message's sources is told nothing (and its escalation stops); each partner below ``full`` gets
an audit entry saying at which level, and what identifier, its copy carries.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Coalition, Partner
from tanbih.domain.escalation import plan_message
from tanbih.domain.lifecycle import Rule
from tanbih.domain.notification import EscalationTimer, Notification, Recipient, notification_key
from tanbih.domain.records import AlertRecord, Event
from tanbih.domain.releasability import Level
from tanbih.domain.routing import Routing, route
from tanbih.geo.area_owners import AreaOwners
from tanbih.pipeline.release import Releasability
from tanbih.ports import OutboxStore

# How long the outbox keeps retrying one notification before escalation takes over.
DEFAULT_DELIVERY_DEADLINE = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class NotificationPlan:
    """The notifications to queue with a message, its event's timers after it, and the audit
    entries of what releasability decided (``alert.redacted``, ``alert.withheld``)."""

    notifications: tuple[Notification, ...] = ()
    timers: tuple[EscalationTimer, ...] = ()
    audit: tuple[Event, ...] = ()


REDACTED = "alert.redacted"
WITHHELD = "alert.withheld"


def notification_for(
    record: AlertRecord,
    recipient: Recipient,
    now: datetime,
    deadline: timedelta,
    known_id: str,
    step: int = 0,
) -> Notification:
    """One version of a message to one recipient, keyed for idempotency.

    The key derives from ``known_id``, the id the recipient knows the message by
    (:meth:`Releasability.known_id`), so a recipient below ``full`` cannot test a guess of the
    original message against it.
    """
    return Notification(
        key=notification_key(known_id, recipient.contact_id, recipient.channel),
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
        releasability: Releasability,
        deadline: timedelta = DEFAULT_DELIVERY_DEADLINE,
    ) -> None:
        self._coalition = coalition
        self._owners = owners
        self._store = store
        self._releasability = releasability
        self._deadline = deadline

    async def __call__(
        self, alert: Alert, record: AlertRecord, rule: Rule, source: Partner, now: datetime
    ) -> NotificationPlan:
        """Whom ``alert`` (stored as ``record`` under ``rule``) must reach, and the timers."""
        if rule in (Rule.ACKNOWLEDGE, Rule.REPORT_ERROR):
            return NotificationPlan()
        routed = route(self._coalition, alert, source.id, self._owners.partners(alert), now)
        sources = self._releasability.sources(record, alert)
        levels: dict[str, Level] = {}

        def level(partner_id: str) -> Level:
            if partner_id not in levels:
                levels[partner_id] = self._releasability.level(sources, record.status, partner_id)
            return levels[partner_id]

        earlier: Sequence[Notification] = ()
        timers: Sequence[EscalationTimer] = ()
        if rule is not Rule.ISSUE:
            earlier = await self._store.notifications(thread_id=record.thread_id)
            timers = await self._store.timers(record.thread_id)
        plan = plan_message(
            rule,
            record.thread_id,
            _released(routed, level),
            earlier,
            timers,
            self._coalition.escalation,
            now,
        )
        notifications = tuple(
            notification_for(
                record,
                recipient,
                now,
                self._deadline,
                self._releasability.known_id(record, level(recipient.partner_id)),
            )
            for recipient in plan.notify
            if level(recipient.partner_id) is not Level.NONE
        )
        # A partner told of earlier versions that a new source now withholds the event from
        # must not be reminded of it by its escalation either.
        after = tuple(
            replace(t, stopped_at=now, next_due_at=None)
            if t.stopped_at is None and level(t.partner_id) is Level.NONE
            else t
            for t in plan.timers
        )
        # Every partner that would have been told, and is told less than the message or nothing.
        concerned = dict.fromkeys(
            [
                *(r.partner_id for r in routed.recipients),
                *(n.recipient.partner_id for n in earlier),
            ]
        )
        audit = tuple(
            self._decision(record, sources, partner_id, level(partner_id), now)
            for partner_id in concerned
            if level(partner_id) is not Level.FULL
        )
        return NotificationPlan(notifications, after, audit)

    def _decision(
        self,
        record: AlertRecord,
        sources: frozenset[str],
        partner_id: str,
        level: Level,
        now: datetime,
    ) -> Event:
        """The audit entry of what partner ``partner_id`` gets of the message, below ``full``."""
        data: dict[str, object] = {"level": level.value, "sources": sorted(sources)}
        if level is not Level.NONE:
            copy = self._releasability.copy_key(record, level)
            data |= {"sender": copy.sender, "identifier": copy.identifier}
        return Event(
            at=now,
            kind=WITHHELD if level is Level.NONE else REDACTED,
            subject=record.id,
            partner_id=partner_id,
            data=MappingProxyType(data),
        )


def _released(routing: Routing, level: Callable[[str], Level]) -> Routing:
    """The routing with partners the matrix withholds the message from told nobody."""
    return Routing(
        tuple(
            partner
            if level(partner.partner_id) is not Level.NONE
            else replace(partner, recipients=(), escalate=False)
            for partner in routing.partners
        )
    )

"""Sending a request to respond: a CAP message to the asked partner alone, with its escalation.

The request goes through an accept stage of its own (signed like every message the node
emits, audited as accepted), whose route stage tells only the partner the message addresses:
its receivers by the routing tree, as for a warning that threatens it, and its escalation
timer by its policy. A partner that answers, or is passed over, has that escalation stopped.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import structlog

from tanbih import cap
from tanbih.domain.cap import Alert, Scope
from tanbih.domain.coalition import Coalition, Partner
from tanbih.domain.escalation import plan_message
from tanbih.domain.lifecycle import Rule, thread_id_of
from tanbih.domain.records import AlertRecord
from tanbih.domain.response_request import request_message
from tanbih.domain.routing import Routing, route
from tanbih.pipeline.accept import AcceptAlert, Accepted, AlreadyKnown, Handoff, Recorded
from tanbih.pipeline.notify_plan import (
    DEFAULT_DELIVERY_DEADLINE,
    NotificationPlan,
    notification_for,
)
from tanbih.pipeline.release import Releasability
from tanbih.ports import Clock, NodeStore

_log = structlog.get_logger("tanbih.respond")


class PlanRequest:
    """The route stage of requests to respond: the addressed partners, and their escalation."""

    def __init__(
        self,
        coalition: Coalition,
        releasability: Releasability,
        deadline: timedelta = DEFAULT_DELIVERY_DEADLINE,
    ):
        self._coalition = coalition
        self._releasability = releasability
        self._deadline = deadline

    async def __call__(
        self, alert: Alert, record: AlertRecord, rule: Rule, source: Partner, now: datetime
    ) -> NotificationPlan:
        """Whom the request reaches (its ``addresses``) and their escalation timers."""
        if rule is not Rule.ISSUE or alert.scope is not Scope.PRIVATE:
            return NotificationPlan()
        asked = frozenset((alert.addresses or "").split())
        routed = route(self._coalition, alert, source.id, asked, now)
        only = Routing(tuple(p for p in routed.partners if p.partner_id in asked))
        plan = plan_message(rule, record.thread_id, only, (), (), self._coalition.escalation, now)
        releasability = self._releasability

        def known(partner_id: str) -> str:
            return releasability.known_id(record, releasability.level_of(record, partner_id, alert))

        notifications = tuple(
            notification_for(record, recipient, now, self._deadline, known(recipient.partner_id))
            for recipient in plan.notify
        )
        return NotificationPlan(notifications, plan.timers)


class SendRequest:
    """Builds, signs and sends requests to respond; stops the escalation of answered ones."""

    def __init__(
        self,
        store: NodeStore,
        clock: Clock,
        coalition: Coalition,
        own: Partner,
        sign: Callable[[bytes], bytes],
        releasability: Releasability,
        *,
        handoff: Handoff | None = None,
        recorded: Recorded = lambda _: None,
    ) -> None:
        self._store = store
        self._own = own
        self._sign = sign
        self._accept = AcceptAlert(
            store,
            clock,
            plan=PlanRequest(coalition, releasability),
            handoff=handoff,
            recorded=recorded,
        )

    def message(
        self,
        warning: Alert,
        *,
        threat_id: str,
        partner_id: str,
        number: int,
        due_at: datetime,
        now: datetime,
    ) -> Alert:
        """The request to ``partner_id``, the ``number``-th for the threat."""
        return request_message(
            warning,
            threat_id=threat_id,
            partner_id=partner_id,
            number=number,
            due_at=due_at,
            now=now,
        )

    async def send(self, request: Alert) -> str:
        """Send ``request``; its event's id (the thread its escalation runs on)."""
        outcome = await self._accept(request, self._sign(cap.emit_xml(request)), self._own)
        if not isinstance(outcome, Accepted | AlreadyKnown):
            _log.error("request_refused", identifier=request.identifier, reason=outcome.detail)
        return thread_id_of(request.key)

    async def withdraw(self, thread_id: str | None, now: datetime) -> None:
        """Stop the escalation of a request answered or passed over."""
        if thread_id is not None:
            await self._store.stop_timers(thread_id, now)

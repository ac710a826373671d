"""Accept a CAP message: authorise its sender, decide its lifecycle step, store it durably."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Protocol

from tanbih.domain.access import Act, denial, sender_denial
from tanbih.domain.cap import Alert, MsgType
from tanbih.domain.coalition import Partner
from tanbih.domain.lifecycle import (
    DEFAULT_CLOCK_SKEW,
    Duplicate,
    KnownMessage,
    Refusal,
    RefusalReason,
    Rule,
    Thread,
    decide,
)
from tanbih.domain.notification import Handover, Notification
from tanbih.domain.records import AlertRecord, Event, alert_id
from tanbih.domain.redaction import RELAYED_PREFIX
from tanbih.errors import AccessDeniedError, StoreConflictError
from tanbih.pipeline.notify_plan import NotificationPlan
from tanbih.ports import AlertStore, Clock


@dataclass(frozen=True, slots=True)
class Accepted:
    """The message was stored under ``rule``."""

    record: AlertRecord
    rule: Rule


@dataclass(frozen=True, slots=True)
class AlreadyKnown:
    """The same message was stored before; nothing new was written."""

    alert_id: str


@dataclass(frozen=True, slots=True)
class Refused:
    """The message may not follow what is known; nothing was stored."""

    reason: RefusalReason
    detail: str


Outcome = Accepted | AlreadyKnown | Refused


Plan = Callable[[Alert, AlertRecord, Rule, Partner, datetime], Awaitable[NotificationPlan]]
Acknowledged = Callable[[AlertRecord, Partner], Awaitable[None]]
Recorded = Callable[[NotificationPlan], None]


class Handoff(Protocol):
    """The dispatcher of this process, taking a stored message's notifications directly."""

    def reserve(self, notifications: Sequence[Notification], now: datetime) -> Handover | None:
        """Slots for the notifications it can start at once, before they are stored."""
        ...

    def hand_over(
        self,
        notifications: Sequence[Notification],
        handover: Handover | None,
        message: tuple[AlertRecord, Alert],
    ) -> None:
        """Start the reserved ones of stored ``message``; see that the others are claimed."""
        ...

    def give_back(self, handover: Handover | None, notifications: Sequence[Notification]) -> None:
        """Free the slots of notifications that were not stored."""
        ...


async def _nobody(*_: object) -> NotificationPlan:
    return NotificationPlan()


async def _ignore_ack(*_: object) -> None:
    return None


class AcceptAlert:
    """The accept stage: one call per incoming message, already parsed and validated.

    ``plan`` routes the message (the route stage) so its notifications and timers are stored
    in the same transaction; ``handoff``, the process's dispatcher, gets the notifications
    claimed in that transaction; ``acknowledged`` hears of partners' CAP Acks once stored;
    ``recorded`` is told of every stored plan (it wakes the escalator when a timer is due).
    """

    def __init__(
        self,
        store: AlertStore,
        clock: Clock,
        clock_skew: timedelta = DEFAULT_CLOCK_SKEW,
        *,
        plan: Plan = _nobody,
        handoff: Handoff | None = None,
        acknowledged: Acknowledged = _ignore_ack,
        recorded: Recorded = lambda _: None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._clock_skew = clock_skew
        self._plan = plan
        self._handoff = handoff
        self._acknowledged = acknowledged
        self._recorded = recorded
        # Deciding and recording must not interleave within a process, or two Updates could
        # both pass against the same thread state; the store's unique key guards across processes.
        self._lock = asyncio.Lock()

    async def __call__(self, alert: Alert, xml: bytes, partner: Partner) -> Outcome:
        """Store ``alert`` (whose exact bytes are ``xml``) posted by ``partner``, or say why not.

        Raises ``AccessDeniedError`` when the partner's role or declared senders forbid it.
        """
        reason = denial(partner, Act.POST_ALERT) or sender_denial(partner, alert)
        if reason is not None:
            raise AccessDeniedError(reason)
        async with self._lock:
            return await self._decide_and_record(alert, xml, partner)

    async def _decide_and_record(
        self, alert: Alert, xml: bytes, partner: Partner, *, optimistic: bool = True
    ) -> Outcome:
        """With ``optimistic``, a new Alert is decided without reading the store: it follows
        nothing, and whether it was stored before is the store's unique key's to say at the
        write (one read fewer before the first webhook). Only if the write finds it stored is
        the store read, to tell a resend (already known) from an identifier reused (refused).
        """
        answered = await self._answering_originals(alert)
        unread = optimistic and alert.msg_type is MsgType.ALERT
        if unread:
            known: Mapping[tuple[str, str], KnownMessage] = {}
            threads: Mapping[str, Thread] = {}
        else:
            keys = {(alert.sender, alert.identifier)}
            keys.update((ref.sender, ref.identifier) for ref in answered.references)
            known = await self._store.known(keys)
            threads = await self._store.threads({m.thread_id for m in known.values()})
        now = self._clock.now()
        decision = decide(answered, known, threads, now, self._clock_skew)
        if isinstance(decision, Duplicate):
            return AlreadyKnown(alert_id(alert.sender, alert.identifier))
        if isinstance(decision, Refusal):
            await self._store.append_event(
                Event(
                    at=now,
                    kind="alert.refused",
                    subject=alert_id(alert.sender, alert.identifier),
                    partner_id=partner.id,
                    data=MappingProxyType(
                        {"reason": decision.reason.value, "detail": decision.detail}
                    ),
                )
            )
            return Refused(decision.reason, decision.detail)
        record = AlertRecord(
            key=alert.key,
            status=alert.status,
            msg_type=alert.msg_type,
            thread_id=decision.thread.id,
            stage=decision.thread.stage,
            expires=alert.expires,
            received_at=now,
            partner_id=partner.id,
            xml=xml,
        )
        plan = await self._plan(alert, record, decision.rule, partner, now)
        # The audit entry says what was decided: the lifecycle rule and whom it was routed to.
        routed = sorted({n.recipient.partner_id for n in plan.notifications})
        event = Event(
            at=now,
            kind="alert.accepted",
            subject=record.id,
            partner_id=partner.id,
            data=MappingProxyType(
                {
                    "rule": decision.rule.value,
                    "msg_type": alert.msg_type.value,
                    "status": alert.status.value,
                    "thread_id": decision.thread.id,
                    "routed_to": routed,
                    "notifications": len(plan.notifications),
                }
            ),
        )
        handoff = self._handoff
        handover = handoff.reserve(plan.notifications, now) if handoff else None
        try:
            await self._store.record(
                record,
                decision,
                event,
                notifications=plan.notifications,
                timers=plan.timers,
                handover=handover,
                audit=plan.audit,
            )
        except StoreConflictError:
            if handoff:
                handoff.give_back(handover, plan.notifications)
            if unread:
                return await self._decide_and_record(alert, xml, partner, optimistic=False)
            return AlreadyKnown(record.id)
        except BaseException:
            if handoff:
                handoff.give_back(handover, plan.notifications)
            raise
        if handoff:
            handoff.hand_over(plan.notifications, handover, (record, alert))
        self._recorded(plan)
        if decision.rule is Rule.ACKNOWLEDGE:
            await self._acknowledged(record, partner)
        return Accepted(record, decision.rule)

    async def _answering_originals(self, alert: Alert) -> Alert:
        """An Ack of redacted copies this node sent, read as an Ack of the messages they stand
        for: the partner names the copy it was given (``tanbih.domain.redaction``)."""
        if alert.msg_type is not MsgType.ACK:
            return alert
        relayed = [
            (ref.sender, ref.identifier)
            for ref in alert.references
            if ref.identifier.startswith(RELAYED_PREFIX)
        ]
        originals = await self._store.originals(relayed) if relayed else {}
        if not originals:
            return alert
        references = tuple(
            originals[(ref.sender, ref.identifier)].key
            if (ref.sender, ref.identifier) in originals
            else ref
            for ref in alert.references
        )
        return replace(alert, references=references)

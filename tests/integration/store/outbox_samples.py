"""Notifications, timers and acknowledgements of the sample messages, for the outbox tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import (
    Acknowledgement,
    AckRoute,
    Attempt,
    DeliveryOutcome,
    EscalationTimer,
    Notification,
    Recipient,
    notification_key,
)
from tanbih.domain.records import AlertRecord
from tanbih.ports import NodeStore

LEASE = timedelta(seconds=30)
DEADLINE = timedelta(minutes=5)


def notification(
    rec: AlertRecord,
    contact_id: str,
    kind: ChannelKind = ChannelKind.WEBHOOK,
    *,
    partner_id: str = "jo",
    step: int = 0,
    created_at: datetime = T0,
    next_attempt_at: datetime | None = None,
) -> Notification:
    """A pending notification of ``rec`` to ``contact_id`` of ``partner_id`` on ``kind``."""
    channel = ChannelAddress(kind, f"{kind}:{contact_id}@{partner_id}.example")
    return Notification(
        key=notification_key(rec.id, contact_id, channel),
        alert_id=rec.id,
        status=rec.status,
        recipient=Recipient(partner_id, contact_id, channel, "ar"),
        escalation_step=step,
        created_at=created_at,
        deadline=created_at + DEADLINE,
        next_attempt_at=next_attempt_at,
    )


def timer(
    rec: AlertRecord, partner_id: str, *, steps_done: int = 1, due: timedelta | None = None
) -> EscalationTimer:
    """The escalation of ``rec``'s event for a partner, next due ``due`` after T0 (20 s)."""
    return EscalationTimer(
        thread_id=rec.thread_id,
        partner_id=partner_id,
        started_at=T0,
        steps_done=steps_done,
        next_due_at=T0 + (due if due is not None else timedelta(seconds=20)),
    )


def attempt(
    key: str, outcome: DeliveryOutcome, at: datetime = T0, error: str | None = None
) -> Attempt:
    """An attempt on notification ``key`` with a provider id and a duration."""
    return Attempt(key, at, outcome, provider_id=f"p-{outcome}", error=error, duration_ms=12.5)


def ack(
    rec: AlertRecord,
    partner_id: str,
    at: datetime,
    via: AckRoute = AckRoute.CONSOLE,
    key: str | None = None,
) -> Acknowledgement:
    """A partner's acknowledgement of ``rec``'s event."""
    return Acknowledgement(rec.thread_id, partner_id, via, at, f"{partner_id}-duty", key)


async def stored_alert(store: NodeStore, identifier: str = "m1") -> AlertRecord:
    """Record a sample message (and its event) with no notifications; return it."""
    rec = record(identifier)
    await store.record(rec, transition(rec), accepted(rec))
    return rec

"""Outbox values to table rows and back: notifications, attempts, acknowledgements, timers."""

from __future__ import annotations

from typing import Any

from tanbih.adapters.store.outbox_rules import Settlement
from tanbih.adapters.store.rows import Row
from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import (
    Acknowledgement,
    AckRoute,
    Attempt,
    DeliveryOutcome,
    EscalationTimer,
    Notification,
    NotificationState,
    Recipient,
)


def notification_row(notification: Notification, thread_id: str) -> dict[str, Any]:
    """The ``notifications`` row of a new notification of an alert in event ``thread_id``."""
    recipient = notification.recipient
    return {
        "key": notification.key,
        "alert_id": notification.alert_id,
        "thread_id": thread_id,
        "status": notification.status.value,
        "partner_id": recipient.partner_id,
        "contact_id": recipient.contact_id,
        "channel_kind": recipient.channel.kind.value,
        "address": recipient.channel.address,
        "language": recipient.language,
        "escalation_step": notification.escalation_step,
        "state": notification.state.value,
        "attempts": notification.attempts,
        "next_attempt_at": notification.next_attempt_at,
        "deadline": notification.deadline,
        "created_at": notification.created_at,
    }


def notification(row: Row) -> Notification:
    """A ``notifications`` row as the domain's notification."""
    channel = ChannelAddress(ChannelKind(row["channel_kind"]), row["address"])
    return Notification(
        key=row["key"],
        alert_id=row["alert_id"],
        status=Status(row["status"]),
        recipient=Recipient(row["partner_id"], row["contact_id"], channel, row["language"]),
        escalation_step=row["escalation_step"],
        created_at=row["created_at"],
        deadline=row["deadline"],
        state=NotificationState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
    )


def settlement(row: Row) -> Settlement:
    """The columns of a ``notifications`` row that a settlement may change."""
    return Settlement(
        state=NotificationState(row["state"]),
        attempts=row["attempts"],
        next_attempt_at=row["next_attempt_at"],
        settled_at=row["settled_at"],
        provider_id=row["provider_id"],
        last_error=row["last_error"],
    )


def settlement_row(values: Settlement) -> dict[str, Any]:
    """The columns a settlement writes; the claim is released with them."""
    return {
        "state": values.state.value,
        "attempts": values.attempts,
        "next_attempt_at": values.next_attempt_at,
        "settled_at": values.settled_at,
        "provider_id": values.provider_id,
        "last_error": values.last_error,
        "claimed_by": None,
        "claim_expires_at": None,
    }


def attempt_row(attempt: Attempt) -> dict[str, Any]:
    """The ``delivery_attempts`` row of an attempt; the store gives its id."""
    return {
        "notification_key": attempt.notification_key,
        "at": attempt.at,
        "outcome": attempt.outcome.value,
        "provider_id": attempt.provider_id,
        "error": attempt.error,
        "duration_ms": attempt.duration_ms,
    }


def attempt(row: Row) -> Attempt:
    """A ``delivery_attempts`` row as the domain's attempt."""
    return Attempt(
        notification_key=row["notification_key"],
        at=row["at"],
        outcome=DeliveryOutcome(row["outcome"]),
        provider_id=row["provider_id"],
        error=row["error"],
        duration_ms=float(row["duration_ms"]),
    )


def acknowledgement_row(ack: Acknowledgement) -> dict[str, Any]:
    """The ``acknowledgements`` row of an acknowledgement."""
    return {
        "thread_id": ack.thread_id,
        "partner_id": ack.partner_id,
        "via": ack.via.value,
        "at": ack.at,
        "contact_id": ack.contact_id,
        "notification_key": ack.notification_key,
    }


def acknowledgement(row: Row) -> Acknowledgement:
    """An ``acknowledgements`` row as the domain's acknowledgement."""
    return Acknowledgement(
        thread_id=row["thread_id"],
        partner_id=row["partner_id"],
        via=AckRoute(row["via"]),
        at=row["at"],
        contact_id=row["contact_id"],
        notification_key=row["notification_key"],
    )


def timer_row(timer: EscalationTimer) -> dict[str, Any]:
    """The ``escalation_timers`` row of a timer."""
    return {
        "thread_id": timer.thread_id,
        "partner_id": timer.partner_id,
        "started_at": timer.started_at,
        "steps_done": timer.steps_done,
        "next_due_at": timer.next_due_at,
        "acknowledged_at": timer.acknowledged_at,
        "stopped_at": timer.stopped_at,
    }


def timer(row: Row) -> EscalationTimer:
    """An ``escalation_timers`` row as the domain's timer."""
    return EscalationTimer(
        thread_id=row["thread_id"],
        partner_id=row["partner_id"],
        started_at=row["started_at"],
        steps_done=row["steps_done"],
        next_due_at=row["next_due_at"],
        acknowledged_at=row["acknowledged_at"],
        stopped_at=row["stopped_at"],
    )

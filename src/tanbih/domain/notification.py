"""Telling people: who gets which message on which channel, and what became of each attempt.

A ``Notification`` is one message version for one contact on one channel address. Its ``key``
is the idempotency key: every retry of it, before or after a crash, carries the same key, so
receivers can drop duplicates.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tanbih.domain.cap import Status
from tanbih.domain.coalition import ChannelAddress


def notification_key(alert_id: str, contact_id: str, channel: ChannelAddress) -> str:
    """The idempotency key of one message version to one contact on one address."""
    text = f"{alert_id}\x00{contact_id}\x00{channel.kind}\x00{channel.address}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Recipient:
    """A contact of a partner, on one of its channel addresses, reading one language."""

    partner_id: str
    contact_id: str
    channel: ChannelAddress
    language: str


@dataclass(frozen=True, slots=True)
class Handover:
    """Notifications written already claimed by the worker that sends them at once.

    The node's own dispatcher takes slots for a message's notifications before the message is
    stored; the rows go in claimed until ``expires_at`` like any claim, so a crash hands them to
    another worker when the lease runs out, and no claim transaction delays the first send.
    """

    worker_id: str
    expires_at: datetime
    keys: frozenset[str]


class NotificationState(StrEnum):
    """Where a notification stands in the outbox."""

    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


@dataclass(frozen=True, slots=True)
class Notification:
    """One message version to deliver to one recipient, with its escalation step."""

    key: str
    alert_id: str
    status: Status
    recipient: Recipient
    escalation_step: int
    created_at: datetime
    deadline: datetime
    state: NotificationState = NotificationState.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None


class DeliveryOutcome(StrEnum):
    """What one delivery attempt achieved."""

    DELIVERED = "delivered"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """The outcome of one attempt, the provider's id for it, and the error if any."""

    outcome: DeliveryOutcome
    provider_id: str | None = None
    error: str | None = None

    @property
    def retryable(self) -> bool:
        """Whether trying again later may succeed."""
        return self.outcome is DeliveryOutcome.RETRY


@dataclass(frozen=True, slots=True)
class Wording:
    """The human words of a message in one language, marked when it is not Actual."""

    language: str
    subject: str
    headline: str
    body: str
    spoken: str


@dataclass(frozen=True, slots=True)
class Delivery:
    """Everything a channel needs to send one notification."""

    notification: Notification
    cap_xml: bytes
    wording: Wording
    ack_code: str
    ack_url: str
    message_id: str
    """The id the recipient knows the message by: the message's own, or its copy id."""


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt as recorded in the delivery log."""

    notification_key: str
    at: datetime
    outcome: DeliveryOutcome
    provider_id: str | None = None
    error: str | None = None
    duration_ms: float = 0.0


@dataclass(frozen=True, slots=True)
class Settling:
    """What a worker writes when it is done with a notification for now: the attempt made (if
    any), the state it moves to, when a pending one is due again, and why if no attempt says.
    """

    key: str
    attempt: Attempt | None
    state: NotificationState
    next_attempt_at: datetime | None
    at: datetime
    error: str | None = None


class AckRoute(StrEnum):
    """How an acknowledgement reached the node."""

    CONSOLE = "console"
    EMAIL_LINK = "email_link"
    SMS_REPLY = "sms_reply"
    VOICE_KEY = "voice_key"
    CAP_ACK = "cap_ack"


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A partner's first word that a person has seen an event's warning."""

    thread_id: str
    partner_id: str
    via: AckRoute
    at: datetime
    contact_id: str | None = None
    notification_key: str | None = None


@dataclass(frozen=True, slots=True)
class EscalationTimer:
    """A partner's escalation for one event, stored so a restart keeps it.

    ``steps_done`` counts the policy steps already notified (repeats included);
    ``next_due_at`` is ``None`` once the policy has nothing left to do.
    """

    thread_id: str
    partner_id: str
    started_at: datetime
    steps_done: int
    next_due_at: datetime | None
    acknowledged_at: datetime | None = None
    stopped_at: datetime | None = None

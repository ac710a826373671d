"""What an exercise run saw happen, as plain values: the scoring and the report read these."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """One attempt to reach a partner's contact on one channel."""

    at: datetime
    partner_id: str
    contact_id: str
    kind: str
    alert_id: str
    escalation_step: int
    delivered: bool
    marked: bool
    text: str
    error: str | None = None


@dataclass(frozen=True, slots=True)
class WarningRecord:
    """A zone's stage announced in a CAP message the node accepted."""

    at: datetime
    alert_id: str
    sender: str
    thread_id: str
    zone_id: str
    stage: str
    status: str


@dataclass(frozen=True, slots=True)
class AckRecord:
    """A partner's first acknowledgement of an event."""

    at: datetime
    partner_id: str
    thread_id: str
    via: str


@dataclass(frozen=True, slots=True)
class InjectRecord:
    """Something the scenario put in: a report, a message, an action, a fault."""

    at: datetime
    kind: str
    partner_id: str
    detail: str


@dataclass(frozen=True, slots=True)
class CaseRecord:
    """A threat's search for a responder: each step (rule, when, whose answer, who asked)."""

    threat_id: str
    opened_at: datetime
    state: str
    responder: str | None
    history: tuple[tuple[str, datetime, str | None, str | None], ...]


@dataclass(slots=True)
class RunRecord:
    """Everything a run saw, in the order it happened."""

    deliveries: list[DeliveryRecord] = field(default_factory=list)
    warnings: list[WarningRecord] = field(default_factory=list)
    acks: list[AckRecord] = field(default_factory=list)
    injects: list[InjectRecord] = field(default_factory=list)
    posted: dict[str, datetime] = field(default_factory=dict)
    first_seen: dict[str, datetime] = field(default_factory=dict)
    threat_ids: dict[str, str] = field(default_factory=dict)
    cases: list[CaseRecord] = field(default_factory=list)
    releases: list[tuple[str, str]] = field(default_factory=list)  # (withheld|redacted, partner)
    refused: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)
    wall_s: float = 0.0

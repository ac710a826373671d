"""What a run is scored into: per zone, per channel, per partner and responder, and findings.

The scoring itself is in ``scoring`` (measures) and ``findings`` (what the director should read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from tanbih.exercise.record import WarningRecord
from tanbih.exercise.runner import RunResult

MISSING_MEASURES: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ZoneScore:
    """One zone: when it was warned, when the threat truly came, and the margin left."""

    zone_id: str
    partner_id: str
    shelter_s: int
    threat_id: str | None
    arrival_s: float | None
    first_warning_s: float | None
    shelter_order_s: float | None
    from_first_report_s: float | None
    margin_s: float | None
    verdict: str  # in_time, late, missed, warned_not_reached, warned, false_alarm


@dataclass(frozen=True, slots=True)
class Latency:
    """Delivery latency of one channel kind, in milliseconds."""

    kind: str
    count: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float


@dataclass(frozen=True, slots=True)
class PartnerScore:
    """One partner: zones, warnings reaching it, its answers and its escalations."""

    partner_id: str
    zones_reached: int
    zones_late: int
    zones_missed: int
    deliveries: int
    failed_attempts: int
    acks: int
    ack_median_s: float | None
    escalation_steps: int
    withheld: int = 0
    redacted: int = 0


@dataclass(frozen=True, slots=True)
class ResponderScore:
    """One threat's search for a responder: who was proposed first, who responds, how fast."""

    threat_id: str
    first_asked: str | None
    responder: str | None
    state: str
    assign_s: float | None
    from_first_report_s: float | None
    declines: int
    timeouts: int


@dataclass(frozen=True, slots=True)
class Finding:
    """Something the director should read; ``failed`` when an expectation was not met."""

    text: str
    failed: bool
    note: bool = False  # worth reading, no expectation named it


@dataclass(slots=True)
class Scores:
    """Everything scored of one run."""

    zones: list[ZoneScore] = field(default_factory=list)
    latency: list[Latency] = field(default_factory=list)
    partners: list[PartnerScore] = field(default_factory=list)
    responders: list[ResponderScore] = field(default_factory=list)
    ack_times: dict[str, list[float]] = field(default_factory=dict)
    lost: int = 0
    unmarked: int = 0
    false_warnings: int = 0
    withheld: int = 0
    redacted: int = 0
    findings: list[Finding] = field(default_factory=list)
    missing: tuple[str, ...] = MISSING_MEASURES

    @property
    def passed(self) -> bool:
        """Whether every expectation was met."""
        return not any(f.failed for f in self.findings)


def seconds_into(result: RunResult, at: datetime) -> float:
    """Seconds from the scenario's start to ``at``."""
    return (at - result.scenario.start).total_seconds()


def first_warning(
    warnings: list[WarningRecord], zone: str, stages: set[str]
) -> WarningRecord | None:
    """The first of ``warnings`` to ``zone`` at one of ``stages``."""
    return next((w for w in warnings if w.zone_id == zone and w.stage in stages), None)

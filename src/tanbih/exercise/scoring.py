"""The scores of a run, per partner and overall, and the findings against the expectations.

Measures: time from first report to first warning per zone; warning margin (time to shelter
left when the threat arrives) with zones warned late or missed; false warnings; delivery
latency per channel; time to acknowledge; escalations; messages lost; marking.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from tanbih.exercise.arrivals import arrivals
from tanbih.exercise.injects import AlertInject
from tanbih.exercise.record import DeliveryRecord, WarningRecord
from tanbih.exercise.runner import RunResult
from tanbih.exercise.warnings import CANCELLED

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


def _s(result: RunResult, at: datetime) -> float:
    return (at - result.scenario.start).total_seconds()


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of ``values`` (``share`` 0..1)."""
    ordered = sorted(values)
    rank = max(int(-(-share * len(ordered) // 1)), 1)
    return ordered[min(rank, len(ordered)) - 1]


def score(result: RunResult) -> Scores:
    """Score ``result`` and check it against its scenario's expectations."""
    scores = Scores()
    scores.zones = _zones(result)
    scores.latency = _latency(result)
    scores.ack_times = _ack_times(result)
    scores.lost = _lost(result)
    scores.unmarked = sum(1 for d in result.record.deliveries if not d.marked)
    scores.false_warnings = sum(1 for z in scores.zones if z.verdict == "false_alarm")
    scores.withheld = sum(1 for kind, _ in result.record.releases if kind == "withheld")
    scores.redacted = sum(1 for kind, _ in result.record.releases if kind == "redacted")
    scores.partners = _partners(result, scores)
    scores.responders = _responders(result)
    scores.findings = _observations(result, scores) + expectations(result, scores)
    return scores


def _first(warnings: list[WarningRecord], zone: str, stages: set[str]) -> WarningRecord | None:
    return next((w for w in warnings if w.zone_id == zone and w.stage in stages), None)


def _zones(result: RunResult) -> list[ZoneScore]:
    zones = {z.id: z for z in result.scenario.coalition.zones}
    duration = result.scenario.file.duration_s
    truth = {
        z: hit
        for z, hit in arrivals(result.timeline.flights, zones.values()).items()
        if hit[1] <= duration
    }
    warnings = sorted(result.record.warnings, key=lambda w: w.at)
    false_ids = {
        i.alert.identifier
        for i in result.timeline.injects
        if isinstance(i, AlertInject) and i.false_alarm
    }
    false_threads = {r.thread_id for r in result.alerts if r.key.identifier in false_ids}
    warned = {w.zone_id for w in warnings if w.zone_id and w.stage != "all_clear"}
    scored: list[ZoneScore] = []
    for zone_id in sorted(set(truth) | warned):
        zone = zones.get(zone_id)
        if zone is None:
            continue
        first = _first(warnings, zone_id, {"early_warning", "take_shelter"})
        shelter = _first(warnings, zone_id, {"take_shelter"})
        threat_id, arrival = truth.get(zone_id, (None, None))
        seen = result.record.first_seen.get(threat_id or "")
        first_s = _s(result, first.at) if first else None
        shelter_s = _s(result, shelter.at) if shelter else None
        margin = None
        if arrival is not None and shelter_s is not None:
            margin = arrival - shelter_s - zone.shelter_seconds
        if first is not None and first.thread_id in false_threads:
            verdict = "false_alarm"
        elif not result.timeline.flights:
            verdict = "warned"  # messages only: no flight to measure them against
        elif arrival is None:
            verdict = "warned_not_reached"
        elif shelter_s is None or shelter_s > arrival:
            verdict = "missed"
        elif margin is not None and margin < 0:
            verdict = "late"
        else:
            verdict = "in_time"
        scored.append(
            ZoneScore(
                zone_id,
                zone.partner_id,
                zone.shelter_seconds,
                threat_id,
                arrival,
                first_s,
                shelter_s,
                None if first is None or seen is None else _s(result, first.at) - _s(result, seen),
                margin,
                verdict,
            )
        )
    return scored


def _responders(result: RunResult) -> list[ResponderScore]:
    cases = {c.threat_id: c for c in result.record.cases}
    scored: list[ResponderScore] = []
    for name, node_threat in result.record.threat_ids.items():
        case = cases.get(node_threat)
        if case is None:
            continue
        asked = [step[3] for step in case.history if step[3] is not None]
        accepted = next((step[1] for step in case.history if step[0] == "accepted_by_asked"), None)
        seen = result.record.first_seen.get(name)
        scored.append(
            ResponderScore(
                name,
                asked[0] if asked else None,
                case.responder,
                case.state,
                None if accepted is None else (accepted - case.opened_at).total_seconds(),
                None if accepted is None or seen is None else (accepted - seen).total_seconds(),
                sum(1 for step in case.history if step[0].startswith("declined")),
                sum(1 for step in case.history if step[0].startswith("timed_out")),
            )
        )
    return scored


def _latency(result: RunResult) -> list[Latency]:
    received = {r.id: r.received_at for r in result.alerts}
    by_kind: dict[str, list[float]] = defaultdict(list)
    for d in result.record.deliveries:
        if d.delivered and d.alert_id in received and d.escalation_step == 0:
            by_kind[d.kind].append((d.at - received[d.alert_id]).total_seconds() * 1000)
    return [
        Latency(kind, len(v), percentile(v, 0.5), percentile(v, 0.95), percentile(v, 0.99), max(v))
        for kind, v in sorted(by_kind.items())
    ]


def _reached_at(result: RunResult) -> dict[tuple[str, str], datetime]:
    """When each partner was first reached on a channel that reaches a person, per event."""
    thread = {r.id: r.thread_id for r in result.alerts}
    first: dict[tuple[str, str], datetime] = {}
    for d in result.record.deliveries:
        if d.delivered and d.kind != "webhook" and d.alert_id in thread:
            key = (thread[d.alert_id], d.partner_id)
            if key not in first or d.at < first[key]:
                first[key] = d.at
    return first


def _ack_times(result: RunResult) -> dict[str, list[float]]:
    reached = _reached_at(result)
    times: dict[str, list[float]] = defaultdict(list)
    for ack in result.record.acks:
        at = reached.get((ack.thread_id, ack.partner_id))
        if at is not None:
            times[ack.partner_id].append(max((ack.at - at).total_seconds(), 0.0))
    return dict(times)


def _lost(result: RunResult) -> int:
    """(message, partner) pairs that had notifications and not one delivery."""
    tried: set[tuple[str, str]] = set()
    delivered: set[tuple[str, str]] = set()
    for d in result.record.deliveries:
        tried.add((d.alert_id, d.partner_id))
        if d.delivered:
            delivered.add((d.alert_id, d.partner_id))
    return len(tried - delivered)


def _partners(result: RunResult, scores: Scores) -> list[PartnerScore]:
    partners: list[PartnerScore] = []
    for partner in result.scenario.coalition.partners:
        mine = [d for d in result.record.deliveries if d.partner_id == partner.id]
        zones = [z for z in scores.zones if z.partner_id == partner.id and z.arrival_s is not None]
        acks = scores.ack_times.get(partner.id, [])
        partners.append(
            PartnerScore(
                partner.id,
                len(zones),
                sum(1 for z in zones if z.verdict == "late"),
                sum(1 for z in zones if z.verdict == "missed"),
                sum(1 for d in mine if d.delivered),
                sum(1 for d in mine if not d.delivered),
                len(acks),
                percentile(acks, 0.5) if acks else None,
                sum(1 for d in mine if d.escalation_step > 0 and d.delivered),
                sum(1 for k, p in result.record.releases if k == "withheld" and p == partner.id),
                sum(1 for k, p in result.record.releases if k == "redacted" and p == partner.id),
            )
        )
    return partners


def _observations(result: RunResult, scores: Scores) -> list[Finding]:
    """Findings worth reading whether or not an expectation names them."""
    notes: list[Finding] = []
    for z in scores.zones:
        if z.verdict == "late":
            notes.append(
                Finding(
                    f"zone {z.zone_id} told to take shelter {-(z.margin_s or 0):.0f} s late: "
                    f"ordered at {z.shelter_order_s:.0f} s, threat {z.threat_id} arrived at "
                    f"{z.arrival_s:.0f} s and its people need {z.shelter_s} s"
                    + _why_late(result, z),
                    False,
                    note=True,
                )
            )
        elif z.verdict == "missed":
            notes.append(
                Finding(
                    f"zone {z.zone_id} reached by {z.threat_id} at {z.arrival_s:.0f} s "
                    "without an order to take shelter before" + _why_late(result, z),
                    False,
                    note=True,
                )
            )
    for d in result.record.deliveries:
        if not d.marked:
            notes.append(
                Finding(
                    f"{d.kind} to {d.contact_id} of {d.alert_id} is not marked "
                    f"EXERCISE: {d.text[:60]!r}",
                    True,
                )
            )
    for item in result.record.refused:
        notes.append(Finding(f"refused by the node: {item}", True))
    for moment in result.record.unsettled:
        busy = f"the node was still busy at {moment} when the run moved on"
        notes.append(Finding(busy, False, note=True))
    return notes


def _why_late(result: RunResult, zone: ZoneScore) -> str:
    seen = result.record.first_seen.get(zone.threat_id or "")
    if seen is None or zone.arrival_s is None:
        return ": no sensor reported the threat"
    seen_s = _s(result, seen)
    ahead = zone.arrival_s - seen_s
    if ahead < 0:
        return f": the first report came at {seen_s:.0f} s, {-ahead:.0f} s after it arrived"
    if ahead < zone.shelter_s:
        return f" because the first report came only {ahead:.0f} s before it arrived"
    return f" (first report at {seen_s:.0f} s, {ahead:.0f} s before it arrived)"


def expectations(result: RunResult, scores: Scores) -> list[Finding]:
    """Each expectation of the scenario, met or not."""
    return (
        _expect_warned(result, scores)
        + _expect_answers(result, scores)
        + _expect_escalations(result)
        + _expect_messages(result, scores)
    )


def _expect_warned(result: RunResult, scores: Scores) -> list[Finding]:
    expect = result.scenario.file.expect
    findings: list[Finding] = []
    warnings = result.record.warnings
    zone_scores = {z.zone_id: z for z in scores.zones}
    for entry in expect.warned:
        # Told to take shelter counts as told to prepare: it is the stronger warning.
        stages: set[str] = {entry.stage, "take_shelter"}
        for zone_id in entry.zones:
            first = _first(warnings, zone_id, stages)
            if first is None:
                findings.append(Finding(f"zone {zone_id} was never told: {entry.stage}", True))
                continue
            at = _s(result, first.at)
            if entry.by is not None and at > entry.by:
                late = f"{at - entry.by:.0f} s after the expected {entry.by:.0f} s"
                findings.append(
                    Finding(f"zone {zone_id} told {entry.stage} at {at:.0f} s, {late}", True)
                )
            else:
                findings.append(Finding(f"zone {zone_id} told {entry.stage} at {at:.0f} s", False))
            zone = zone_scores.get(zone_id)
            got = None if zone is None else zone.margin_s
            if entry.min_margin_s is not None and (got is None or got < entry.min_margin_s):
                shown = "none" if got is None else f"{got:.0f} s"
                wanted = f"expected at least {entry.min_margin_s:.0f} s"
                findings.append(Finding(f"zone {zone_id}: margin {shown}, {wanted}", True))
    for zone_id in expect.not_warned:
        hit = _first(warnings, zone_id, {"early_warning", "take_shelter"})
        if hit is not None:
            when = f"{hit.stage} at {_s(result, hit.at):.0f} s"
            findings.append(Finding(f"zone {zone_id} was warned ({when}), it should not be", True))
    return findings


def _expect_answers(result: RunResult, scores: Scores) -> list[Finding]:
    expect = result.scenario.file.expect
    findings: list[Finding] = []
    acks = result.record.acks
    acked = {a.partner_id: a for a in reversed(acks)}
    for entry in expect.acknowledged:
        ack = acked.get(entry.partner)
        times = scores.ack_times.get(entry.partner, [])
        routes = {a.via for a in acks if a.partner_id == entry.partner}
        if ack is None:
            findings.append(Finding(f"{entry.partner} never acknowledged", True))
        elif entry.via is not None and entry.via not in routes:
            findings.append(
                Finding(f"{entry.partner} acknowledged by {ack.via}, not {entry.via}", True)
            )
        elif entry.within_s is not None and (not times or min(times) > entry.within_s):
            took = f"took {min(times, default=0):.0f} s to acknowledge"
            wanted = f"expected within {entry.within_s:.0f} s"
            findings.append(Finding(f"{entry.partner} {took}, {wanted}", True))
        else:
            findings.append(Finding(f"{entry.partner} acknowledged by {ack.via}", False))
    for partner_id in expect.not_acknowledged:
        if partner_id in acked:
            findings.append(Finding(f"{partner_id} acknowledged but should not have", True))
        else:
            findings.append(Finding(f"{partner_id} never acknowledged, as expected", False))
    return findings


def _expect_escalations(result: RunResult) -> list[Finding]:
    findings: list[Finding] = []
    reached = {
        d.contact_id for d in result.record.deliveries if d.delivered and d.escalation_step > 0
    }
    for entry in result.scenario.file.expect.escalated:
        for contact in entry.reaches:
            found = contact in reached
            what = "reached" if found else "never reached"
            findings.append(Finding(f"escalation for {entry.partner} {what} {contact}", not found))
    return findings


def _expect_messages(result: RunResult, scores: Scores) -> list[Finding]:
    expect = result.scenario.file.expect
    findings: list[Finding] = []
    cancelled = {w.thread_id for w in result.record.warnings if w.stage == CANCELLED}
    for name in expect.cancelled:
        threads = {r.thread_id for r in result.alerts if r.key.identifier == f"exercise-{name}"}
        done = bool(threads & cancelled)
        findings.append(Finding(f"message {name} was {'' if done else 'not '}cancelled", not done))
    if expect.max_false_warnings is not None and scores.false_warnings > expect.max_false_warnings:
        wanted = f"expected at most {expect.max_false_warnings}"
        findings.append(Finding(f"{scores.false_warnings} zones falsely warned, {wanted}", True))
    proposed = {r.threat_id: r for r in scores.responders}
    for responder in expect.responders:
        got = proposed.get(responder.threat)
        if got is None:
            findings.append(Finding(f"no response case for {responder.threat}", True))
        elif got.first_asked != responder.proposed:
            text = f"{got.first_asked} proposed to respond to {responder.threat}, expected " + (
                responder.proposed
            )
            findings.append(Finding(text, True))
        elif responder.responds is not None and got.responder != responder.responds:
            text = f"{got.responder or 'nobody'} responds to {responder.threat}, expected " + (
                responder.responds
            )
            findings.append(Finding(text, True))
        else:
            assigned = "" if got.responder is None else f", {got.responder} responds"
            findings.append(
                Finding(
                    f"{got.first_asked} proposed to respond to {responder.threat}{assigned}", False
                )
            )
    delivery = expect.delivery
    if delivery is None:
        return findings
    if scores.lost > delivery.lost:
        wanted = f"expected at most {delivery.lost}"
        findings.append(
            Finding(
                f"{scores.lost} messages reached nobody of a partner they were for, {wanted}", True
            )
        )
    worst = max((lat.p99_ms for lat in scores.latency), default=0.0)
    if delivery.p99_ms is not None and worst > delivery.p99_ms:
        findings.append(
            Finding(f"delivery p99 {worst:.0f} ms, expected at most {delivery.p99_ms:.0f} ms", True)
        )
    kinds = {d.kind for d in result.record.deliveries if d.delivered}
    for kind in delivery.channels:
        if kind not in kinds:
            findings.append(Finding(f"nothing was delivered by {kind}", True))
    return findings


def deliveries_of(result: RunResult, partner_id: str) -> list[DeliveryRecord]:
    """The delivery attempts to one partner, in order."""
    return [d for d in result.record.deliveries if d.partner_id == partner_id]

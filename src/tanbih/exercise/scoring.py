"""The scores of a run, per partner and overall, and the findings against the expectations.

Measures: time from first report to first warning per zone; warning margin (time to shelter
left when the threat arrives) with zones warned late or missed; false warnings; delivery
latency per channel; time to acknowledge; escalations; messages lost; marking.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from tanbih.exercise.arrivals import arrivals
from tanbih.exercise.findings import expectations, observations
from tanbih.exercise.injects import AlertInject
from tanbih.exercise.runner import RunResult
from tanbih.exercise.scores import (
    Latency,
    PartnerScore,
    ResponderScore,
    Scores,
    ZoneScore,
    first_warning,
    seconds_into,
)


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
    scores.findings = observations(result, scores) + expectations(result, scores)
    return scores


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
        first = first_warning(warnings, zone_id, {"early_warning", "take_shelter"})
        shelter = first_warning(warnings, zone_id, {"take_shelter"})
        threat_id, arrival = truth.get(zone_id, (None, None))
        seen = result.record.first_seen.get(threat_id or "")
        first_s = seconds_into(result, first.at) if first else None
        shelter_s = seconds_into(result, shelter.at) if shelter else None
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
                None
                if first is None or seen is None
                else seconds_into(result, first.at) - seconds_into(result, seen),
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

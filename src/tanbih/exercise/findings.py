"""The findings of a run: what the director should read, and each expectation met or not."""

from __future__ import annotations

from tanbih.exercise.runner import RunResult
from tanbih.exercise.scores import Finding, Scores, ZoneScore, first_warning, seconds_into
from tanbih.exercise.warnings import CANCELLED


def observations(result: RunResult, scores: Scores) -> list[Finding]:
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
    seen_s = seconds_into(result, seen)
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
            first = first_warning(warnings, zone_id, stages)
            if first is None:
                findings.append(Finding(f"zone {zone_id} was never told: {entry.stage}", True))
                continue
            at = seconds_into(result, first.at)
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
        hit = first_warning(warnings, zone_id, {"early_warning", "take_shelter"})
        if hit is not None:
            when = f"{hit.stage} at {seconds_into(result, hit.at):.0f} s"
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

"""The after-action report: one self-contained HTML file (inline SVG, no script, nothing
fetched) and its JSON twin for tooling."""

from __future__ import annotations

from collections import Counter
from html import escape
from pathlib import Path

from tanbih.exercise.charts import ack_chart, latency_chart, map_svg, margin_chart
from tanbih.exercise.report_json import report_json
from tanbih.exercise.runner import RunResult
from tanbih.exercise.scores import Finding, Scores

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#222}
h1{margin-bottom:.2rem} .banner{background:#ffeb3b;padding:.4rem .8rem;font-weight:700}
table{border-collapse:collapse;margin:.6rem 0 1.2rem} td,th{border:1px solid #ccc;padding:2px 8px;
text-align:left;font-variant-numeric:tabular-nums} th{background:#f3f3f3}
.fail{color:#b71c1c;font-weight:700} .ok{color:#2e7d32} .note{color:#e65100}
.pass{background:#e8f5e9;padding:.5rem}
.nopass{background:#ffebee;padding:.5rem} svg{max-width:100%;height:auto}
details{margin:.5rem 0} .muted{color:#666}
"""
# Beyond this many rows a table is cut, with a note (the JSON holds them all).
_MAX_ROWS = 200


def write_report(result: RunResult, scores: Scores, path: Path) -> list[Path]:
    """Write the report to ``path`` (``.json``: JSON only; else HTML and a ``.json`` beside)."""
    json_path = path if path.suffix == ".json" else path.with_suffix(".json")
    json_path.write_text(report_json(result, scores), encoding="utf-8")
    if path.suffix == ".json":
        return [json_path]
    path.write_text(report_html(result, scores), encoding="utf-8")
    return [path, json_path]


def _table(headers: list[str], rows: list[list[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(_cell(c))}</td>" for c in row) + "</tr>"
        for row in rows[:_MAX_ROWS]
    )
    more = f"<p class=muted>{len(rows) - _MAX_ROWS} more rows in the JSON report</p>"
    return f"<table><tr>{head}</tr>{body}</table>" + (more if len(rows) > _MAX_ROWS else "")


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _finding_class(finding: Finding) -> str:
    if finding.failed:
        return "fail>✗ "
    return "note>• " if finding.note else "ok>✓ "


def _figure(title: str, svg: str | None) -> str:
    return f"<h3>{escape(title)}</h3>{svg}" if svg else ""


def report_html(result: RunResult, scores: Scores) -> str:
    """The report as one HTML page."""
    scenario = result.scenario
    record = result.record
    start = scenario.start
    received = {r.id: r.received_at.timestamp() for r in result.alerts}
    verdicts = Counter(z.verdict for z in scores.zones)
    outlines = [
        z
        for z in scenario.coalition.zones
        if sum(1 for o in scenario.coalition.zones if o.partner_id == z.partner_id) <= 5
    ]
    parts = [
        "<!doctype html><html lang=en><meta charset=utf-8>",
        f"<title>After-action report: {escape(scenario.name)}</title><style>{_STYLE}</style>",
        "<p class=banner>EXERCISE — every message of this run had status Exercise</p>",
        f"<h1>{escape(scenario.name)}</h1>",
        f"<p class=muted>{escape(scenario.file.description)}</p>",
        f"<p>Scenario <code>{escape(scenario.path.name)}</code>, start {start.isoformat()}, "
        f"{scenario.file.duration_s:.0f} s simulated in {record.wall_s:.1f} s, seed "
        f"{scenario.file.seed}. {len(result.alerts)} messages, "
        f"{sum(1 for d in record.deliveries if d.delivered)} deliveries.</p>",
        f"<p class={'pass' if scores.passed else 'nopass'}><b>"
        + ("Every expectation met." if scores.passed else "Expectations not met.")
        + "</b></p>",
        "<h2>Findings</h2><ul>",
        *(f"<li class={_finding_class(f)}{escape(f.text)}</li>" for f in scores.findings),
        *(f"<li class=muted>not measured: {escape(m)}</li>" for m in scores.missing),
        "</ul><h2>Overall</h2>",
        _table(
            [
                "zones in time",
                "late",
                "missed",
                "warned, not reached",
                "warned (no flight)",
                "false warnings",
                "messages lost",
                "unmarked texts",
                "withheld (releasability)",
                "redacted copies",
            ],
            [
                [
                    verdicts["in_time"],
                    verdicts["late"],
                    verdicts["missed"],
                    verdicts["warned_not_reached"],
                    verdicts["warned"],
                    scores.false_warnings,
                    scores.lost,
                    scores.unmarked,
                    scores.withheld,
                    scores.redacted,
                ]
            ],
        ),
        "<h2>Map</h2>",
        map_svg(result.timeline.flights, list(scenario.coalition.zones), scores, outlines) or "",
        "<h2>Charts</h2>",
        _figure("Warning margin per zone reached", margin_chart(scores)),
        _figure("Delivery latency per channel", latency_chart(record, received)),
        _figure("Time to acknowledge", ack_chart(scores)),
        "<h2>Per partner</h2>",
        _table(
            [
                "partner",
                "zones reached",
                "late",
                "missed",
                "deliveries",
                "failed attempts",
                "acks",
                "median ack (s)",
                "escalation deliveries",
                "withheld",
                "redacted",
            ],
            [
                [
                    p.partner_id,
                    p.zones_reached,
                    p.zones_late,
                    p.zones_missed,
                    p.deliveries,
                    p.failed_attempts,
                    p.acks,
                    p.ack_median_s,
                    p.escalation_steps,
                    p.withheld,
                    p.redacted,
                ]
                for p in scores.partners
            ],
        ),
        "<h2>Responders</h2>",
        _table(
            [
                "threat",
                "first proposed",
                "responds",
                "state",
                "to assign (s)",
                "report → assigned (s)",
                "declines",
                "timeouts",
            ],
            [
                [
                    r.threat_id,
                    r.first_asked,
                    r.responder,
                    r.state,
                    r.assign_s,
                    r.from_first_report_s,
                    r.declines,
                    r.timeouts,
                ]
                for r in scores.responders
            ],
        ),
        "<h2>Delivery latency (ms)</h2>",
        _table(
            ["channel", "n", "p50", "p95", "p99", "max"],
            [[x.kind, x.count, x.p50_ms, x.p95_ms, x.p99_ms, x.max_ms] for x in scores.latency],
        ),
        "<h2>Zones</h2>",
        _table(
            [
                "zone",
                "partner",
                "shelter (s)",
                "threat",
                "arrival (s)",
                "first warning (s)",
                "shelter order (s)",
                "report → warning (s)",
                "margin (s)",
                "verdict",
            ],
            [
                [
                    z.zone_id,
                    z.partner_id,
                    z.shelter_s,
                    z.threat_id,
                    z.arrival_s,
                    z.first_warning_s,
                    z.shelter_order_s,
                    z.from_first_report_s,
                    z.margin_s,
                    z.verdict,
                ]
                for z in scores.zones
            ],
        ),
        "<h2>Timeline per partner</h2>",
        _timeline(result),
        "</html>",
    ]
    return "\n".join(parts)


def _timeline(result: RunResult) -> str:
    start = result.scenario.start
    rows: dict[str, list[tuple[float, str]]] = {}
    for i in result.record.injects:
        if i.kind != "report":
            rows.setdefault(i.partner_id, []).append(
                ((i.at - start).total_seconds(), f"{i.kind}: {i.detail}")
            )
    for d in result.record.deliveries:
        what = "delivered" if d.delivered else f"failed ({d.error})"
        step = f" escalation step {d.escalation_step}" if d.escalation_step else ""
        rows.setdefault(d.partner_id, []).append(
            ((d.at - start).total_seconds(), f"{d.kind} to {d.contact_id}{step}: {what}")
        )
    for a in result.record.acks:
        rows.setdefault(a.partner_id, []).append(
            ((a.at - start).total_seconds(), f"acknowledged by {a.via}")
        )
    sections = []
    for partner in sorted(rows):
        events = sorted(rows[partner])
        table = _table(["t (s)", "event"], [[round(t, 1), text] for t, text in events])
        sections.append(
            f"<details><summary>{escape(partner)} — {len(events)} events</summary>{table}</details>"
        )
    return "".join(sections)

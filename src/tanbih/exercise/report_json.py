"""The after-action report as JSON, for tooling: the scores, findings and the run's record."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

from tanbih.exercise.runner import RunResult
from tanbih.exercise.scores import Scores

REPORT_FORMAT = "tanbih-after-action/1"


def report_data(result: RunResult, scores: Scores) -> dict[str, Any]:
    """The report as plain data (what the JSON file holds)."""
    scenario = result.scenario
    record = result.record
    return {
        "format": REPORT_FORMAT,
        "scenario": {
            "name": scenario.name,
            "file": str(scenario.path),
            "start": scenario.start.isoformat(),
            "duration_s": scenario.file.duration_s,
            "seed": scenario.file.seed,
        },
        "passed": scores.passed,
        "wall_s": round(record.wall_s, 3),
        "findings": [dataclasses.asdict(f) for f in scores.findings],
        "zones": [dataclasses.asdict(z) for z in scores.zones],
        "latency": [dataclasses.asdict(x) for x in scores.latency],
        "partners": [dataclasses.asdict(p) for p in scores.partners],
        "responders": [dataclasses.asdict(r) for r in scores.responders],
        "cases": [dataclasses.asdict(c) for c in record.cases],
        "ack_times_s": scores.ack_times,
        "lost": scores.lost,
        "unmarked": scores.unmarked,
        "false_warnings": scores.false_warnings,
        "withheld": scores.withheld,
        "redacted": scores.redacted,
        "not_measured": list(scores.missing),
        "messages": len(result.alerts),
        "unknown_areas": list(result.timeline.unknown_areas),
        "deliveries": [dataclasses.asdict(d) for d in record.deliveries],
        "warnings": [dataclasses.asdict(w) for w in record.warnings],
        "acks": [dataclasses.asdict(a) for a in record.acks],
        "injects": [dataclasses.asdict(i) for i in record.injects],
    }


def _default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def report_json(result: RunResult, scores: Scores) -> str:
    """The report as JSON text."""
    return json.dumps(report_data(result, scores), default=_default, ensure_ascii=False, indent=1)

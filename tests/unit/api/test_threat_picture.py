"""The threat picture the assessing worker keeps for the node's other workers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tanbih.api.threat_views import read_picture

KEPT = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
VIEW = {
    "id": "t-1",
    "class": "uav",
    "status": "Exercise",
    "sources": ["il"],
    "firstSeen": KEPT.isoformat(),
    "lastSeen": KEPT.isoformat(),
    "ended": None,
    "state": {
        "time": KEPT.isoformat(),
        "lat": 31.5,
        "lon": 34.8,
        "altM": 300.0,
        "speedMps": 50.0,
        "headingDeg": 90.0,
    },
    "firstEta": None,
    "zones": [],
    "path": [],
}
TEXT = json.dumps({"at": KEPT.isoformat(), "threats": [VIEW]})


def test_a_fresh_picture_reads_back_to_its_views() -> None:
    [view] = read_picture(TEXT, KEPT + timedelta(seconds=4), timedelta(seconds=5)) or []
    assert (view.id, view.sources, view.status) == ("t-1", ["il"], "Exercise")
    assert view.model_dump(mode="json") == VIEW


def test_a_picture_nobody_refreshed_says_nothing() -> None:
    """Older than its bound, no worker has assessed since: not what is in the air now."""
    assert read_picture(TEXT, KEPT + timedelta(seconds=6), timedelta(seconds=5)) is None

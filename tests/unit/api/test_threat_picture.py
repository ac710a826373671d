"""The threat picture the assessing worker keeps for the node's other workers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tanbih.api.threat_views import path_points, read_picture
from tanbih.domain.threat import Impact, Kinematics, ThreatClass

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
IMPACT = {"lat": 31.6, "lon": 35.0, "radiusM": 2_000.0, "time": None}
TEXT = json.dumps(
    {
        "at": KEPT.isoformat(),
        "threats": [{"view": VIEW, "live": True, "climbMps": -2.0, "impact": IMPACT}],
    }
)


def test_a_fresh_picture_reads_back_to_its_views() -> None:
    read = read_picture(TEXT, KEPT + timedelta(seconds=4), timedelta(seconds=5), with_path=False)
    [view] = read or []
    assert (view.id, view.sources, view.status) == ("t-1", ["il"], "Exercise")
    assert view.model_dump(mode="json") == VIEW


def test_the_reader_predicts_a_live_threats_path_from_what_the_picture_kept() -> None:
    """The path is the one the assessing worker would draw from the same motion and impact."""
    now = KEPT + timedelta(seconds=2)
    [view] = read_picture(TEXT, now, timedelta(seconds=5), with_path=True) or []
    state = VIEW["state"]
    assert isinstance(state, dict)
    motion = Kinematics(
        KEPT, state["lat"], state["lon"], state["altM"], state["speedMps"], 90.0, -2.0
    )
    expected = path_points(motion, ThreatClass.UAV, Impact(31.6, 35.0, 2_000.0), now)
    assert view.path
    assert view.path == expected


def test_a_picture_nobody_refreshed_says_nothing() -> None:
    """Older than its bound, no worker has assessed since: not what is in the air now."""
    stale = KEPT + timedelta(seconds=6)
    assert read_picture(TEXT, stale, timedelta(seconds=5), with_path=True) is None

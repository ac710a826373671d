"""A scenario's report as ``tanbih exercise run --node`` posts it: the API's shape, shifted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tanbih.api.observation_models import ObservationJson
from tanbih.domain.cap import Status
from tanbih.domain.observation import Observation
from tanbih.domain.threat import Impact, ThreatClass
from tanbih.exercise.remote import observation_json

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
SHIFT = timedelta(hours=2)


def test_a_report_is_posted_later_with_its_ids_suffixed_and_its_values_whole() -> None:
    report = Observation(
        id="r-1",
        partner_id="il",
        sensor_id="il-radar",
        time=AT,
        lat=31.5,
        lon=34.6,
        alt_m=12_000.0,
        speed_mps=1_800.0,
        heading_deg=45.0,
        threat_class=ThreatClass.BALLISTIC_MISSILE,
        confidence=0.8,
        status=Status.EXERCISE,
        track_id="t-9",
        climb_mps=-300.0,
        impact=Impact(32.0, 35.0, 5_000.0, AT + timedelta(seconds=90)),
    )
    body = observation_json(report, SHIFT, "-x1")
    posted = ObservationJson.model_validate_json(json.dumps(body)).to_domain("il")
    assert (posted.id, posted.track_id) == ("r-1-x1", "t-9-x1")
    assert posted.time == AT + SHIFT
    assert posted.impact == Impact(32.0, 35.0, 5_000.0, AT + SHIFT + timedelta(seconds=90))
    unchanged = ("lat", "lon", "alt_m", "speed_mps", "heading_deg", "climb_mps", "confidence")
    assert all(getattr(posted, name) == getattr(report, name) for name in unchanged)
    assert (posted.threat_class, posted.status) == (report.threat_class, report.status)

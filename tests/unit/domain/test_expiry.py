"""Threats that end unreported: not seen for their class's timeout, or gone from the region."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from tests.unit.domain.assessment_samples import GEODESY, LAT0, LON0, T0, report

from tanbih.domain.expiry import (
    IMPACT_GRACE,
    NOT_SEEN_TIMEOUT,
    BoundingBox,
    expire,
    not_seen_deadline,
)
from tanbih.domain.fusion import EndReason, Threat, fuse
from tanbih.domain.threat import Impact, ThreatClass

SECOND = timedelta(seconds=1)
# The covered region: a box around Israel and Jordan.
REGION = BoundingBox(south=29.0, west=34.0, north=33.5, east=39.0)


def threat(**changes: object) -> Threat:
    """A live UAV threat last seen at T0 at the sample position, heading north at 50 m/s."""
    made = fuse({}, report(), T0, GEODESY, "t1").threat
    return replace(made, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("threat_class", "timeout_s"),
    [
        (ThreatClass.UAV, 120),
        (ThreatClass.CRUISE_MISSILE, 90),
        (ThreatClass.BALLISTIC_MISSILE, 60),
        (ThreatClass.ROCKET, 45),
        (ThreatClass.AIRCRAFT, 180),
        (ThreatClass.UNKNOWN, 120),
    ],
)
def test_not_seen_timeout_per_class(threat_class: ThreatClass, timeout_s: int) -> None:
    """A threat ends as not seen exactly at its class's timeout after its last report."""
    assert NOT_SEEN_TIMEOUT[threat_class] == timedelta(seconds=timeout_s)
    live = {"t1": threat(threat_class=threat_class)}
    assert expire(live, T0 + (timeout_s - 1) * SECOND, GEODESY) == ()
    (ended,) = expire(live, T0 + timeout_s * SECOND, GEODESY)
    assert ended.ended is EndReason.NOT_SEEN
    assert ended.ended_at == T0 + timeout_s * SECOND


def test_a_reported_impact_time_holds_the_threat_past_its_timeout() -> None:
    """A ballistic threat seen once stays until its reported impact time plus the grace."""
    impact_at = T0 + timedelta(minutes=10)
    once = threat(
        threat_class=ThreatClass.BALLISTIC_MISSILE, impact=Impact(31.8, 34.8, 5_000.0, impact_at)
    )
    assert not_seen_deadline(once, GEODESY) == impact_at + IMPACT_GRACE
    assert expire({"t1": once}, impact_at, GEODESY) == ()
    assert len(expire({"t1": once}, impact_at + IMPACT_GRACE, GEODESY)) == 1


def test_an_impact_without_time_is_held_for_the_flight_there() -> None:
    """Without an impact time, the hold is the flight to the impact point at the last speed."""
    impact = Impact(LAT0 + 1.0, LON0, 5_000.0)
    once = threat(impact=impact, threat_class=ThreatClass.ROCKET)
    _, distance = GEODESY.inverse(LAT0, LON0, impact.lat, impact.lon)
    flight = timedelta(seconds=distance / 50.0)
    assert not_seen_deadline(once, GEODESY) == T0 + flight + IMPACT_GRACE


def test_ended_threats_are_not_ended_again() -> None:
    """A threat already ended by a report is not returned by expiry."""
    done = threat(ended=EndReason.NEUTRALISED, ended_at=T0)
    assert expire({"t1": done}, T0 + timedelta(hours=1), GEODESY) == ()


@pytest.mark.parametrize(
    ("lat", "lon", "heading", "left"),
    [
        (LAT0, LON0, 0.0, False),
        (35.0, LON0, 0.0, True),
        (35.0, LON0, 180.0, False),
        (28.5, 33.5, 225.0, True),
        (28.5, 33.5, 45.0, False),
    ],
    ids=[
        "inside",
        "north of the region heading away",
        "north of the region heading in",
        "south-west heading away",
        "south-west heading in",
    ],
)
def test_leaving_the_region(lat: float, lon: float, heading: float, left: bool) -> None:
    """A threat ends as left the region only if its course ahead never enters the region."""
    state = replace(threat().state, lat=lat, lon=lon, heading_deg=heading, speed_mps=200.0)
    ended = expire({"t1": threat(state=state)}, T0, GEODESY, REGION.contains)
    assert [t.ended for t in ended] == ([EndReason.LEFT_REGION] if left else [])


def test_an_impact_inside_the_region_keeps_a_threat_outside_it() -> None:
    """A threat outside and heading away still matters while its impact point is inside."""
    state = replace(threat().state, lat=35.0, heading_deg=0.0)
    outside = threat(state=state, impact=Impact(LAT0, LON0, 1_000.0, T0 + timedelta(minutes=5)))
    assert expire({"t1": outside}, T0, GEODESY, REGION.contains) == ()


def test_expired_threats_come_back_by_id() -> None:
    """Expiry returns the ended threats ordered by id, whatever the mapping's order."""
    live = {name: threat(id=name) for name in ("t3", "t1", "t2")}
    ended = expire(live, T0 + timedelta(hours=1), GEODESY)
    assert [t.id for t in ended] == ["t1", "t2", "t3"]


def test_bounding_box_includes_its_edges() -> None:
    """A bounding box contains its edges and nothing beyond them."""
    assert REGION.contains(29.0, 34.0)
    assert REGION.contains(33.5, 39.0)
    assert not REGION.contains(33.51, 35.0)
    assert not REGION.contains(30.0, 33.99)

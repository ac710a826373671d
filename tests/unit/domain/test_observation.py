"""Validating a partner's report: each implausible field is named with a usable message."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

import pytest
from tests.unit.domain.assessment_samples import T0, report

from tanbih.domain.cap import Status
from tanbih.domain.observation import (
    MAX_SPEED_MPS,
    FieldProblem,
    ground_velocity,
    observation_problems,
)
from tanbih.domain.threat import Impact, Kinematics, ThreatClass

SECOND = timedelta(seconds=1)


def test_a_plausible_report_has_no_problems() -> None:
    """A well-formed UAV report received at its own time passes validation."""
    assert observation_problems(report(), T0) == []


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"id": " "}, "id", "must not be empty"),
        ({"partner_id": ""}, "partner_id", "must not be empty"),
        ({"sensor_id": ""}, "sensor_id", "must not be empty"),
        ({"track_id": ""}, "track_id", "omit it instead"),
        ({"lat": 90.5}, "lat", "not in -90..90"),
        ({"lat": math.nan}, "lat", "not in -90..90"),
        ({"lon": -180.1}, "lon", "not in -180..180"),
        ({"alt_m": -600.0}, "alt_m", "outside"),
        ({"alt_m": 2_000_000.0}, "alt_m", "outside"),
        ({"speed_mps": -1.0}, "speed_mps", "must be ≥ 0"),
        ({"speed_mps": math.inf}, "speed_mps", "must be ≥ 0"),
        ({"speed_mps": 300.0}, "speed_mps", "implausible for a uav"),
        ({"heading_deg": 360.0}, "heading_deg", "0 ≤ h < 360"),
        ({"heading_deg": -5.0}, "heading_deg", "0 ≤ h < 360"),
        ({"climb_mps": 400.0}, "climb_mps", "implausible for a uav"),
        ({"confidence": 1.2}, "confidence", "not in 0..1"),
        ({"confidence": -0.1}, "confidence", "not in 0..1"),
        ({"status": Status.TEST}, "status", "use Actual or Exercise"),
        ({"time": datetime(2026, 11, 29, 12, 0)}, "time", "no time-zone offset"),
        ({"time": T0 + 11 * SECOND}, "time", "in the future"),
        ({"time": T0 - timedelta(minutes=11)}, "time", "no longer describe"),
        ({"impact": Impact(91.0, 35.0, 1_000.0)}, "impact.lat", "not in -90..90"),
        ({"impact": Impact(32.0, 181.0, 1_000.0)}, "impact.lon", "not in -180..180"),
        ({"impact": Impact(32.0, 35.0, 0.0)}, "impact.radius_m", "must be > 0"),
        ({"impact": Impact(32.0, 35.0, 300_000.0)}, "impact.radius_m", "at most"),
        ({"impact": Impact(32.0, 35.0, 500.0, T0 - SECOND)}, "impact.time", "before the time"),
    ],
)
def test_each_implausible_field_is_named(changes: dict[str, Any], field: str, words: str) -> None:
    """A report with one bad field gets exactly one problem naming that field and why."""
    problems = observation_problems(report(**changes), T0)
    assert [p.field for p in problems] == [field]
    assert words in problems[0].message


def test_skew_and_age_limits_are_configurable() -> None:
    """The allowed clock skew and age come from the caller, and their bounds are inclusive."""
    ahead = report(time=T0 + 30 * SECOND)
    assert observation_problems(ahead, T0, max_skew=30 * SECOND) == []
    assert observation_problems(ahead, T0, max_skew=29 * SECOND) != []
    old = report(time=T0 - timedelta(hours=1))
    assert observation_problems(old, T0, max_age=timedelta(hours=1)) == []


@pytest.mark.parametrize(
    ("threat_class", "speed"),
    [
        (ThreatClass.UAV, 250.0),
        (ThreatClass.CRUISE_MISSILE, 1_200.0),
        (ThreatClass.BALLISTIC_MISSILE, 7_500.0),
        (ThreatClass.ROCKET, 2_000.0),
        (ThreatClass.AIRCRAFT, 1_000.0),
        (ThreatClass.UNKNOWN, 7_500.0),
    ],
)
def test_max_speed_table_is_inclusive(threat_class: ThreatClass, speed: float) -> None:
    """Each class accepts exactly its documented maximum speed and refuses 1 m/s more."""
    assert MAX_SPEED_MPS[threat_class] == speed
    at_limit = report(threat_class=threat_class, speed_mps=speed)
    assert observation_problems(at_limit, T0) == []
    above = report(threat_class=threat_class, speed_mps=speed + 1)
    assert [p.field for p in observation_problems(above, T0)] == ["speed_mps"]


def test_every_problem_is_reported_at_once() -> None:
    """A report with several bad fields gets one problem per field, not only the first."""
    bad = report(lat=100.0, confidence=2.0, speed_mps=-3.0)
    assert observation_problems(bad, T0) == [
        FieldProblem("lat", "latitude 100.0 is not in -90..90"),
        FieldProblem("speed_mps", "speed -3.0 m/s must be ≥ 0"),
        FieldProblem("confidence", "confidence 2.0 is not in 0..1"),
    ]


@pytest.mark.parametrize(
    ("east", "north", "speed", "heading"),
    [
        (0.0, 10.0, 10.0, 0.0),
        (10.0, 0.0, 10.0, 90.0),
        (0.0, -10.0, 10.0, 180.0),
        (-10.0, 0.0, 10.0, 270.0),
        (3.0, 4.0, 5.0, math.degrees(math.atan2(3, 4))),
        (-1.0, 1.0, math.sqrt(2), 315.0),
        (0.0, 0.0, 0.0, 0.0),
    ],
)
def test_ground_velocity_from_an_east_north_vector(
    east: float, north: float, speed: float, heading: float
) -> None:
    """An east/north vector becomes ground speed and a true heading in 0 ≤ h < 360."""
    got_speed, got_heading = ground_velocity(east, north)
    assert got_speed == pytest.approx(speed)
    assert got_heading == pytest.approx(heading)


def test_kinematics_is_the_reported_state() -> None:
    """A report's kinematics carry its time, position and velocity unchanged."""
    obs = report(climb_mps=-2.0)
    assert obs.kinematics == Kinematics(T0, obs.lat, obs.lon, 1_000.0, 50.0, 0.0, -2.0)

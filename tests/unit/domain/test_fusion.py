"""Fusion as a table: which threat each report joins, and the fused state it leaves behind."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.domain.assessment_samples import GEODESY, LAT0, LON0, T0, moved, report

from tanbih.domain.cap import Status
from tanbih.domain.fusion import (
    GATES,
    POSITION_GAIN,
    Association,
    EndReason,
    FusionResult,
    Threat,
    TrackRef,
    dead_reckon,
    fuse,
    more_specific,
)
from tanbih.domain.observation import EndReport, Observation
from tanbih.domain.threat import Impact, Kinematics, ThreatClass

SECOND = timedelta(seconds=1)


def fuse_all(*reports: Observation) -> tuple[dict[str, Threat], list[FusionResult]]:
    """Fuse ``reports`` in order, as the pipeline would, naming new threats t1, t2, ..."""
    threats: dict[str, Threat] = {}
    results = []
    for obs in reports:
        result = fuse(threats, obs, obs.time, GEODESY, f"t{len(threats) + 1}")
        threats[result.threat.id] = result.threat
        results.append(result)
    return threats, results


def offset(obs: Observation, azimuth: float, metres: float, **changes: object) -> Observation:
    """``obs`` reported ``metres`` away along ``azimuth``."""
    lat, lon = GEODESY.forward(obs.lat, obs.lon, azimuth, metres)
    return replace(obs, lat=lat, lon=lon, **changes)  # type: ignore[arg-type]


FIRST = report()
JORDAN = {"partner_id": "jo", "sensor_id": "jo-radar", "track_id": "J-9", "id": "jo-1"}


@pytest.mark.parametrize(
    ("second", "association", "threats"),
    [
        (offset(moved(FIRST, 2), 90, 300, **JORDAN), Association.GATE, 1),
        (offset(moved(FIRST, 2), 90, 50_000, **JORDAN), Association.NEW, 2),
        (offset(moved(FIRST, 2), 90, 20_000), Association.TRACK_ID, 1),
        (moved(FIRST, 2, track_id=None), Association.GATE, 1),
        (moved(FIRST, 2, track_id="t-2"), Association.NEW, 2),
        (moved(FIRST, 2, status=Status.EXERCISE), Association.NEW, 2),
        (moved(FIRST, 2, heading_deg=180.0, **JORDAN), Association.NEW, 2),
        (moved(FIRST, 2, heading_deg=20.0, **JORDAN), Association.GATE, 1),
        (offset(moved(FIRST, 1), 90, 3_000, **JORDAN), Association.NEW, 2),
        (offset(moved(FIRST, 60), 90, 3_000, **JORDAN), Association.GATE, 1),
    ],
    ids=[
        "second partner 300 m off joins",
        "50 km away is a new threat",
        "same partner and track id joins however far",
        "same partner without track id is gated",
        "same partner's other track is another object",
        "exercise never joins actual",
        "opposite heading is another object",
        "20 degrees off course still joins",
        "3 km off after 1 s is outside the gate",
        "3 km off after 60 s is inside the widened gate",
    ],
)
def test_association(second: Observation, association: Association, threats: int) -> None:
    """Each second report joins the first report's threat or starts another, by the rule named."""
    fused, results = fuse_all(FIRST, second)
    assert results[1].association is association
    assert len(fused) == threats


def test_two_partners_reporting_one_drone_make_one_threat_with_two_sources() -> None:
    """Reports of the same drone by Israel and Jordan fuse into one threat citing both."""
    fused, _ = fuse_all(FIRST, offset(moved(FIRST, 2), 90, 300, **JORDAN))
    (threat,) = fused.values()
    assert threat.sources == ("il", "jo")
    assert threat.tracks == (TrackRef("il", "t-1"), TrackRef("jo", "J-9"))
    assert (threat.first_seen, threat.last_seen) == (T0, T0 + 2 * SECOND)


def test_track_id_continues_across_many_reports() -> None:
    """A partner's track keeps one threat over a long flight, each report updating its state."""
    reports = [FIRST]
    for k in range(1, 30):
        reports.append(moved(reports[-1], 10, id=f"obs-{k}"))
    fused, results = fuse_all(*reports)
    assert len(fused) == 1
    assert {r.association for r in results[1:]} == {Association.TRACK_ID}
    assert fused["t1"].state.time == reports[-1].time


def test_an_ended_threat_takes_no_more_reports() -> None:
    """Once reported neutralised, a threat is closed: the same track id then starts a new one."""
    _, results = fuse_all(FIRST, moved(FIRST, 2, ended=EndReport.NEUTRALISED), moved(FIRST, 4))
    assert results[1].threat.ended is EndReason.NEUTRALISED
    assert results[1].threat.ended_at == T0 + 2 * SECOND
    assert results[2].is_new


def test_a_first_report_of_landing_starts_an_ended_threat() -> None:
    """A landing reported in the first report of an object gives a threat already ended."""
    _, results = fuse_all(report(ended=EndReport.LANDED))
    assert results[0].threat.ended is EndReason.LANDED


@pytest.mark.parametrize(
    ("classes", "fused_class"),
    [
        ((ThreatClass.UNKNOWN, ThreatClass.UAV), ThreatClass.UAV),
        ((ThreatClass.UAV, ThreatClass.UNKNOWN), ThreatClass.UAV),
        ((ThreatClass.AIRCRAFT, ThreatClass.UAV), ThreatClass.UAV),
        ((ThreatClass.UNKNOWN, ThreatClass.AIRCRAFT, ThreatClass.UNKNOWN), ThreatClass.AIRCRAFT),
    ],
)
def test_class_is_the_most_specific_reported(
    classes: tuple[ThreatClass, ...], fused_class: ThreatClass
) -> None:
    """A threat takes the most specific class any report gave and never loses it."""
    reports = [moved(FIRST, 2 * k, threat_class=c) for k, c in enumerate(classes)]
    fused, _ = fuse_all(*reports)
    assert fused["t1"].threat_class is fused_class


def test_more_specific_follows_declaration_order() -> None:
    """Specificity is the order ``ThreatClass`` declares: unknown lowest, ballistic highest."""
    assert more_specific(ThreatClass.ROCKET, ThreatClass.UNKNOWN) is ThreatClass.ROCKET
    assert more_specific(ThreatClass.ROCKET, ThreatClass.BALLISTIC_MISSILE) is (
        ThreatClass.BALLISTIC_MISSILE
    )


def test_consistent_reports_leave_the_reported_state() -> None:
    """When reports agree with dead reckoning, the fused state is the latest report."""
    fused, _ = fuse_all(FIRST, moved(FIRST, 30))
    state, expected = fused["t1"].state, moved(FIRST, 30).kinematics
    _, miss = GEODESY.inverse(state.lat, state.lon, expected.lat, expected.lon)
    assert miss < 0.01
    assert state.speed_mps == pytest.approx(expected.speed_mps)
    assert state.heading_deg == pytest.approx(expected.heading_deg, abs=1e-9)


def test_an_offset_report_moves_the_state_by_the_position_gain() -> None:
    """A report 1 km east of the prediction moves the fused position 700 m east."""
    fused, _ = fuse_all(FIRST, offset(moved(FIRST, 2), 90, 1_000, **JORDAN))
    predicted = moved(FIRST, 2)
    state = fused["t1"].state
    azimuth, distance = GEODESY.inverse(predicted.lat, predicted.lon, state.lat, state.lon)
    assert distance == pytest.approx(POSITION_GAIN * 1_000, abs=0.01)
    assert azimuth == pytest.approx(90, abs=0.01)


def test_the_fused_heading_follows_a_turn_within_a_few_reports() -> None:
    """After a 90° turn the fused heading is within 1° of the new course after 6 reports."""
    reports = [FIRST]
    for k in range(6):
        reports.append(moved(reports[-1], 5, heading_deg=90.0, id=f"turn-{k}"))
    fused, _ = fuse_all(*reports)
    assert fused["t1"].state.heading_deg == pytest.approx(90.0, abs=1.0)
    assert fused["t1"].state.speed_mps == pytest.approx(50.0, abs=0.5)


def test_a_late_report_adds_its_source_but_does_not_move_the_state() -> None:
    """A report older than the fused state joins the threat without rewinding its state."""
    current = moved(FIRST, 10)
    late = offset(moved(FIRST, 8), 90, 200, **JORDAN)
    fused, results = fuse_all(FIRST, current, late)
    assert results[2].association is Association.GATE
    assert fused["t1"].state == results[1].threat.state
    assert fused["t1"].sources == ("il", "jo")
    assert fused["t1"].last_seen == current.time


def test_the_nearest_candidate_wins() -> None:
    """A report inside two threats' gates joins the one whose prediction is nearest."""
    near = report(id="a", track_id="A", lon=LON0)
    far = offset(report(id="b", track_id="B", partner_id="jo"), 90, 1_200)
    threats, _ = fuse_all(near, far)
    probe = offset(report(id="c", partner_id="eg", track_id=None), 90, 400)
    result = fuse(threats, probe, T0, GEODESY, "t3")
    assert result.threat.id == "t1"


def test_latest_impact_and_highest_confidence_are_kept() -> None:
    """A threat keeps the newest impact reported, even when later reports give none."""
    impact = Impact(31.8, 34.8, 2_000.0, T0 + timedelta(minutes=5))
    fused, _ = fuse_all(
        report(confidence=0.4),
        moved(FIRST, 2, impact=impact, confidence=0.95),
        moved(FIRST, 4, confidence=0.5),
    )
    assert fused["t1"].impact == impact
    assert fused["t1"].confidence == 0.95


def test_dead_reckoning_goes_forwards_and_backwards() -> None:
    """Dead reckoning moves speed × time along the heading, and back again for negative time."""
    state = Kinematics(T0, LAT0, LON0, 1_000.0, 100.0, 45.0, 2.0)
    ahead = dead_reckon(state, T0 + 60 * SECOND, GEODESY)
    azimuth, distance = GEODESY.inverse(LAT0, LON0, ahead.lat, ahead.lon)
    assert azimuth == pytest.approx(45.0, abs=1e-6)
    assert distance == pytest.approx(6_000.0)
    assert ahead.alt_m == 1_120.0
    back = dead_reckon(ahead, T0, GEODESY)
    assert back.lat == pytest.approx(LAT0)
    assert back.lon == pytest.approx(LON0)
    assert back.alt_m == pytest.approx(1_000.0)


def test_gates_widen_with_time() -> None:
    """Every class's gate is wider a minute later than at the report's own time."""
    for gate in GATES.values():
        assert gate.radius_m(60) > gate.radius_m(0) == gate.base_m


@given(
    errors=st.lists(
        st.tuples(st.floats(0, 359.9), st.floats(0, 500), st.floats(-10, 10)),
        min_size=2,
        max_size=20,
    )
)
def test_a_drone_reported_alternately_by_two_partners_stays_one_threat(
    errors: list[tuple[float, float, float]],
) -> None:
    """Reports every 5 s from two partners, each up to 500 m and 10° off, make one threat."""
    reports = []
    for k, (azimuth, metres, heading_error) in enumerate(errors):
        truth = moved(FIRST, 5 * k)
        reporter = JORDAN if k % 2 else {"id": f"il-{k}"}
        heading = (truth.heading_deg + heading_error) % 360
        reports.append(offset(truth, azimuth, metres, heading_deg=heading, **reporter))
    fused, _ = fuse_all(*reports)
    assert list(fused) == ["t1"]
    assert fused["t1"].sources == ("il", "jo")

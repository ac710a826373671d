"""Dead reckoning follows the geodesic from the state, and the corridor grows as its model says."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest
from tests.unit.geo.samples import NOW, point_at, state

from tanbih.domain.threat import Impact, ThreatClass
from tanbih.geo import BALLISTIC, UNCERTAINTY, Uncertainty, predict_path
from tanbih.geo.path import LEG_M, impact_offset_s, leg_offsets, leg_samples, sample_path


def test_samples_lie_on_the_geodesic_at_the_distance_flown_since_the_state() -> None:
    """A state 30 s old at 100 m/s is 3 km along its heading at now, 13 km 100 s later."""
    old = state(31.0, 34.0, 100.0, 70.0, time=NOW - timedelta(seconds=30))
    samples = sample_path(old, Uncertainty(100.0, 0.1), offsets_s=np.array([0.0, 100.0]), now=NOW)
    for lat, lon, metres in zip(samples.lat, samples.lon, (3_000.0, 13_000.0), strict=True):
        assert (lat, lon) == pytest.approx(point_at(31.0, 34.0, 70.0, metres), abs=1e-12)
    assert samples.radius_m == pytest.approx([100.0 + 300.0, 100.0 + 1_300.0])


def test_a_state_from_the_future_is_wound_back_without_shrinking_the_corridor() -> None:
    """A state 2 s ahead of now (clock skew) puts now 200 m behind it, with the initial radius."""
    ahead = state(31.0, 34.0, 100.0, 0.0, time=NOW + timedelta(seconds=2))
    samples = sample_path(ahead, Uncertainty(100.0, 0.1), offsets_s=np.array([0.0]), now=NOW)
    assert (samples.lat[0], samples.lon[0]) == pytest.approx(point_at(31.0, 34.0, 0.0, -200.0))
    assert samples.radius_m.tolist() == [100.0]


@pytest.mark.parametrize(("speed", "horizon"), [(50.0, 600.0), (250.0, 100.0), (2_500.0, 61.0)])
def test_legs_are_at_most_ten_km_and_cover_the_horizon(speed: float, horizon: float) -> None:
    """Samples every LEG_M of flight from now, the last at or past the horizon."""
    offsets = leg_offsets(speed, horizon)
    assert offsets[0] == 0.0
    assert np.diff(offsets) * speed == pytest.approx(np.full(offsets.size - 1, LEG_M))
    assert offsets[-2] < horizon <= offsets[-1]
    assert leg_offsets(speed, 2 * horizon)[: offsets.size] == pytest.approx(offsets)


def test_a_still_or_horizonless_threat_has_one_sample() -> None:
    """Not moving, or nothing to look ahead to, needs the state alone."""
    assert leg_offsets(0.0, 600.0).tolist() == [0.0]
    assert leg_offsets(50.0, 0.0).tolist() == [0.0]


def test_every_class_has_a_corridor_and_ballistic_ones_are_named() -> None:
    """The uncertainty table covers every class; rockets and ballistic missiles are ballistic."""
    assert set(UNCERTAINTY) == set(ThreatClass)
    assert {ThreatClass.ROCKET, ThreatClass.BALLISTIC_MISSILE} == BALLISTIC


@pytest.mark.parametrize(("initial", "growth"), [(-1.0, 0.1), (0.0, 1.0), (0.0, -0.1)])
def test_a_corridor_must_start_non_negative_and_grow_slower_than_the_threat(
    initial: float, growth: float
) -> None:
    """A negative radius, or growth at or over the distance flown, is refused."""
    with pytest.raises(ValueError, match="uncertainty"):
        Uncertainty(initial, growth)


def test_impact_time_is_the_stated_one_else_distance_over_speed_and_never_past() -> None:
    """With a time, that; without, the geodesic distance at the speed; a past impact is now."""
    moving = state(31.0, 34.0, 1_000.0, 90.0, time=NOW - timedelta(seconds=10))
    lat, lon = point_at(31.0, 34.0, 90.0, 50_000.0)
    assert (
        impact_offset_s(moving, Impact(lat, lon, 1_000.0, NOW + timedelta(seconds=33)), NOW) == 33
    )
    assert impact_offset_s(moving, Impact(lat, lon, 1_000.0), NOW) == pytest.approx(40.0)
    assert impact_offset_s(moving, Impact(lat, lon, 1_000.0, NOW - timedelta(seconds=5)), NOW) == 0
    assert impact_offset_s(state(31.0, 34.0, 0.0, 0.0), Impact(lat, lon, 1_000.0), NOW) == 0


def test_the_path_for_display_runs_to_the_horizon_with_times_and_radii() -> None:
    """A UAV's path for the next 10 minutes: 4 points, from now to now + 600 s, radius growing."""
    path = predict_path(
        state(31.0, 34.0, 50.0, 90.0), ThreatClass.UAV, None, horizon_s=600, now=NOW
    )
    assert [t for _, _, t in path.points] == [
        NOW + timedelta(seconds=s) for s in (0, 200, 400, 600)
    ]
    assert path.points[-1][:2] == pytest.approx(point_at(31.0, 34.0, 90.0, 30_000.0))
    model = UNCERTAINTY[ThreatClass.UAV]
    flown = [0.0, 10_000.0, 20_000.0, 30_000.0]
    assert path.radii_m == pytest.approx([model.initial_m + model.growth * f for f in flown])


def test_a_ballistic_path_for_display_stops_at_its_impact() -> None:
    """A ballistic missile 45 s from impact is drawn for 45 s (legs of 5 s), not for 600 s."""
    impact = Impact(31.5, 35.0, 2_000.0, NOW + timedelta(seconds=45))
    path = predict_path(
        state(31.0, 34.0, 2_000.0, 60.0),
        ThreatClass.BALLISTIC_MISSILE,
        impact,
        horizon_s=600,
        now=NOW,
    )
    assert path.points[-1][2] == NOW + timedelta(seconds=45)
    assert len(path.points) == 10


def test_leg_samples_are_the_path_at_the_leg_offsets() -> None:
    """Walking the geodesic in even steps gives the points and radii of solving each one."""
    old = state(31.0, 34.0, 230.0, 123.0, time=NOW - timedelta(seconds=7))
    model = UNCERTAINTY[ThreatClass.CRUISE_MISSILE]
    walked = leg_samples(old, model, horizon_s=600, now=NOW)
    solved = sample_path(old, model, offsets_s=leg_offsets(230.0, 600), now=NOW)
    assert walked.offsets_s == pytest.approx(solved.offsets_s)
    assert walked.lat == pytest.approx(solved.lat, abs=1e-11)
    assert walked.lon == pytest.approx(solved.lon, abs=1e-11)
    assert walked.radius_m == pytest.approx(solved.radius_m)

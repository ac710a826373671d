"""Predicted exposures: which synthetic zones a threat reaches, and ETAs pyproj agrees with."""

from __future__ import annotations

from datetime import timedelta
from functools import cache

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.unit.geo.samples import GEOD, NOW, box_zone, distance, point_at, square_at, state

from tanbih.domain.threat import Impact, Kinematics, ThreatClass, ZoneExposure
from tanbih.geo import ZERO_UNCERTAINTY, Uncertainty, ZoneIndex, predict_exposures


def etas(exposures: tuple[ZoneExposure, ...]) -> dict[str, float]:
    """Seconds from NOW to each exposed zone's ETA, by zone id."""
    return {e.zone_id: (e.eta - NOW).total_seconds() for e in exposures}


def exact(kinematics: Kinematics, index: ZoneIndex, horizon: float = 3_600.0) -> dict[str, float]:
    """ETAs of a UAV with a zero-width corridor."""
    found = predict_exposures(
        kinematics,
        ThreatClass.UAV,
        None,
        index,
        horizon_s=horizon,
        now=NOW,
        uncertainty=ZERO_UNCERTAINTY,
    )
    return etas(found)


@pytest.mark.parametrize("speed", [20.0, 50.0, 250.0, 2_500.0])
def test_a_track_up_a_meridian_reaches_a_square_when_pyproj_says(speed: float) -> None:
    """Flying north into a square 40 km away: ETA = geodesic distance to its south edge / speed."""
    index = ZoneIndex([square_at("ahead", 31.4, 35.0, 0.05)])
    expected = distance(31.0, 35.0, 31.35, 35.0) / speed
    got = exact(state(31.0, 35.0, speed, 0.0), index)["ahead"]
    assert got == pytest.approx(expected, abs=1.0)
    assert expected - 0.5 <= got <= expected + 0.01


def test_tracks_in_any_direction_reach_squares_when_pyproj_says() -> None:
    """On 40 random tracks to random squares, ETAs agree with bisection on pyproj to 1 s."""
    rng = np.random.default_rng(7)
    for _ in range(40):
        lat, lon, azimuth = rng.uniform(29, 34), rng.uniform(33, 37), rng.uniform(0, 360)
        speed, metres = rng.uniform(20, 300), rng.uniform(2_000, 60_000)
        zone = square_at("z", *point_at(lat, lon, azimuth, metres), rng.uniform(0.003, 0.02))
        outline = shapely.Polygon([(x, y) for y, x in zone.rings[0]])
        early, late = 0.0, metres
        for _ in range(50):
            middle = (early + late) / 2
            x, y, _ = GEOD.fwd(lon, lat, azimuth, middle)
            early, late = (
                (early, middle) if outline.contains(shapely.Point(x, y)) else (middle, late)
            )
        got = exact(state(lat, lon, speed, azimuth), ZoneIndex([zone]))["z"]
        assert got == pytest.approx(late / speed, abs=1.0)


def test_a_track_heading_away_reaches_nothing() -> None:
    """A UAV flying south from a square 20 km north of it never comes near it in 10 minutes."""
    index = ZoneIndex([square_at("behind", 31.18, 35.0, 0.01)])
    found = predict_exposures(
        state(31.0, 35.0, 50.0, 180.0), ThreatClass.UAV, None, index, horizon_s=600, now=NOW
    )
    assert found == ()


def test_a_turn_changes_the_zones_reached() -> None:
    """Heading north reaches the zone to the north; after turning east, the one to the east."""
    index = ZoneIndex([square_at("north", 31.2, 35.0, 0.02), square_at("east", 31.0, 35.25, 0.02)])
    assert set(exact(state(31.0, 35.0, 50.0, 0.0), index, 1_200)) == {"north"}
    assert set(exact(state(31.0, 35.0, 50.0, 90.0), index, 1_200)) == {"east"}


def test_the_time_since_the_state_is_flown_before_now() -> None:
    """The same state seen 60 s later gives ETAs 60 s sooner (to 0.05 s: other legs)."""
    index = ZoneIndex([square_at("ahead", 31.4, 35.0, 0.05)])
    fresh = exact(state(31.0, 35.0, 50.0, 0.0), index)["ahead"]
    old = exact(state(31.0, 35.0, 50.0, 0.0, time=NOW - timedelta(seconds=60)), index)["ahead"]
    assert old == pytest.approx(fresh - 60, abs=0.05)


def test_the_corridor_reaches_a_zone_beside_the_track_as_its_radius_grows() -> None:
    """A strip 3 km east of a northbound track is reached when r(t) = 1 km + 0.2 x 100 m/s x t
    reaches it: about 100 s."""
    lon = point_at(31.0, 35.0, 90.0, 3_000.0)[1]
    index = ZoneIndex([box_zone("strip", 30.0, lon, 32.0, lon + 0.05)])
    found = predict_exposures(
        state(31.0, 35.0, 100.0, 0.0),
        ThreatClass.UAV,
        None,
        index,
        horizon_s=600,
        now=NOW,
        uncertainty=Uncertainty(1_000.0, 0.2),
    )
    lat_then = point_at(31.0, 35.0, 0.0, 10_000.0)[0]
    expected = (distance(lat_then, 35.0, lat_then, lon) - 1_000.0) / 20.0
    assert etas(found)["strip"] == pytest.approx(expected, abs=1.0)


def test_zones_within_the_initial_radius_are_reached_now_even_standing_still() -> None:
    """A hovering UAV 400 m from a zone's edge, with 500 m of uncertainty, reaches it at once."""
    index = ZoneIndex([square_at("next", 31.0, 35.0 + 0.0105 + 0.0042, 0.0105)])
    found = predict_exposures(
        state(31.0, 35.0, 0.0, 0.0), ThreatClass.UAV, None, index, horizon_s=600, now=NOW
    )
    assert etas(found) == {"next": 0.0}


@cache
def impact_index() -> ZoneIndex:
    """Squares of 200 m whose nearest edges are 0, 1, 1.9, 2.1 and 4 km from (31.5, 35.0), and
    one on the way there."""
    zones = [square_at("under", 31.5, 35.0, 0.001)]
    for name, metres, azimuth in [
        ("1", 1_000, 10),
        ("1.9", 1_900, 100),
        ("2.1", 2_100, 190),
        ("4", 4_000, 280),
    ]:
        zones.append(square_at(name, *point_at(31.5, 35.0, azimuth, metres + 100), 0.0009))
    zones.append(square_at("on the way", 31.25, 35.0, 0.02))
    return ZoneIndex(zones)


def test_a_ballistic_impact_warns_exactly_the_zones_within_its_radius_at_its_time() -> None:
    """Radius 2 km: the zones within it, all at the impact time, listed by zone id; not the path."""
    impact = Impact(31.5, 35.0, 2_000.0, NOW + timedelta(seconds=40))
    found = predict_exposures(
        state(31.0, 35.0, 1_500.0, 0.0),
        ThreatClass.BALLISTIC_MISSILE,
        impact,
        impact_index(),
        horizon_s=600,
        now=NOW,
    )
    assert [e.zone_id for e in found] == ["1", "1.9", "under"]
    assert {e.eta for e in found} == {NOW + timedelta(seconds=40)}


def test_an_impact_without_time_is_reached_at_the_threat_speed() -> None:
    """55.5 km at 1.5 km/s: the impact zones are reached in 37 s."""
    found = predict_exposures(
        state(31.0, 35.0, 1_500.0, 0.0),
        ThreatClass.ROCKET,
        Impact(31.5, 35.0, 500.0),
        impact_index(),
        horizon_s=600,
        now=NOW,
    )
    assert etas(found) == {"under": pytest.approx(distance(31.0, 35.0, 31.5, 35.0) / 1_500.0)}


def test_an_impact_past_the_horizon_warns_nothing_yet() -> None:
    """An impact in 700 s is outside a 600 s horizon."""
    impact = Impact(31.5, 35.0, 2_000.0, NOW + timedelta(seconds=700))
    found = predict_exposures(
        state(31.0, 35.0, 1_500.0, 0.0),
        ThreatClass.BALLISTIC_MISSILE,
        impact,
        impact_index(),
        horizon_s=600,
        now=NOW,
    )
    assert found == ()


def test_a_cruise_missile_with_an_impact_point_warns_its_path_and_the_impact_area() -> None:
    """Not ballistic: the impact zones at the impact time, or sooner if the corridor gets there
    first, and the zones on the way."""
    impact = Impact(31.5, 35.0, 2_000.0, NOW + timedelta(seconds=300))
    found = predict_exposures(
        state(31.0, 35.0, 250.0, 180.0),
        ThreatClass.CRUISE_MISSILE,
        impact,
        impact_index(),
        horizon_s=600,
        now=NOW,
    )
    assert etas(found) == {"1": 300.0, "1.9": 300.0, "under": 300.0}
    heading = predict_exposures(
        state(31.0, 35.0, 250.0, 0.0),
        ThreatClass.CRUISE_MISSILE,
        impact,
        impact_index(),
        horizon_s=600,
        now=NOW,
    )
    assert heading[0].zone_id == "on the way"
    assert 150.0 < etas(heading)["under"] < 300.0


def test_a_path_over_the_antimeridian_does_not_jump_back_across_the_region() -> None:
    """A drone over the Pacific flying east across 180° reaches no zone of the Middle East."""
    found = predict_exposures(
        state(31.0, 179.99, 300.0, 90.0),
        ThreatClass.UNKNOWN,
        None,
        impact_index(),
        horizon_s=600,
        now=NOW,
    )
    assert found == ()


@cache
def grid_index() -> ZoneIndex:
    """A 6 x 6 grid of 2 km squares, 5 km apart, around (31.0, 35.0)."""
    return ZoneIndex(
        [
            square_at(f"{row}-{col}", 30.9 + 0.045 * row, 34.88 + 0.05 * col, 0.009)
            for row in range(6)
            for col in range(6)
        ]
    )


@settings(max_examples=60, deadline=None)
@given(
    lat=st.floats(30.7, 31.4),
    lon=st.floats(34.7, 35.3),
    speed=st.floats(0.0, 400.0),
    heading=st.floats(0.0, 360.0),
    age=st.floats(-2.0, 120.0),
    threat=st.sampled_from(list(ThreatClass)),
    horizon=st.floats(0.0, 900.0),
    more=st.floats(0.0, 900.0),
)
def test_etas_are_never_before_now_and_a_longer_horizon_adds_zones_only(
    lat: float,
    lon: float,
    speed: float,
    heading: float,
    age: float,
    threat: ThreatClass,
    horizon: float,
    more: float,
) -> None:
    """ETAs lie between now and the horizon; a longer horizon keeps every zone and its ETA."""
    kinematics = state(lat, lon, speed, heading, time=NOW - timedelta(seconds=age))
    short = predict_exposures(kinematics, threat, None, grid_index(), horizon_s=horizon, now=NOW)
    long = predict_exposures(
        kinematics, threat, None, grid_index(), horizon_s=horizon + more, now=NOW
    )
    assert all(NOW <= e.eta <= NOW + timedelta(seconds=horizon) for e in short)
    assert [e.eta for e in long] == sorted(e.eta for e in long)
    assert etas(short).items() <= etas(long).items()

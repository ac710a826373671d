"""Reach of a threat to areas of responsibility: on the path or impact area, else how far."""

from __future__ import annotations

import math

import pytest

from tanbih.domain.agreement import AreaOfResponsibility
from tanbih.domain.threat import Impact
from tanbih.geo.responsibility import ResponsibilityMap


def square(lat: float, lon: float, size: float = 0.1) -> tuple[tuple[tuple[float, float], ...]]:
    """A closed (lat, lon) square polygon with its south-west corner at lat, lon."""
    ring = ((lat, lon), (lat, lon + size), (lat + size, lon + size), (lat + size, lon), (lat, lon))
    return (ring,)


AREAS = ResponsibilityMap(
    [
        AreaOfResponsibility("aa", "west", (square(32.0, 35.0),)),
        # bb has two areas; the nearer one counts. cc overlaps aa.
        AreaOfResponsibility("bb", "far", (square(32.0, 36.0),)),
        AreaOfResponsibility("bb", "near", (square(32.0, 35.3),)),
        AreaOfResponsibility("cc", "overlap", (square(32.05, 35.05),)),
    ]
)
# 0.1 degree of longitude at 32.05 degrees north, in km.
TENTH_DEGREE_KM = 0.1 * math.cos(math.radians(32.05)) * 111.32


def test_a_path_crossing_areas_is_on_them_and_others_are_measured() -> None:
    """A path through aa and cc (overlapping) is on both; bb's nearer area is 0.1 deg away."""
    reach = AREAS.reach_of_path([(32.02, 34.9), (32.02, 35.2)])
    assert reach["aa"].on_path
    assert (reach["aa"].distance_km, reach["cc"].on_path) == (0.0, False)
    assert reach["cc"].distance_km == pytest.approx(0.03 * 111.2, rel=0.02)
    assert not reach["bb"].on_path
    assert reach["bb"].distance_km == pytest.approx(TENTH_DEGREE_KM, rel=0.01)


def test_a_single_point_path_is_a_point() -> None:
    """A threat that does not move is measured from where it is."""
    reach = AREAS.reach_of_path([(32.05, 35.2)])
    assert reach["aa"].distance_km == pytest.approx(TENTH_DEGREE_KM, rel=0.01)
    assert reach["cc"].on_path is False


def test_an_impact_area_reaches_the_areas_its_disc_touches() -> None:
    """A ballistic impact's uncertainty disc is on every area it touches, not only its centre's."""
    impact = Impact(lat=32.05, lon=35.25, radius_m=15_000.0)
    reach = AREAS.reach_of_impact(impact)
    assert reach["aa"].on_path
    assert reach["bb"].on_path
    tight = AREAS.reach_of_impact(Impact(lat=32.05, lon=35.25, radius_m=100.0))
    assert not tight["aa"].on_path
    assert tight["aa"].distance_km == pytest.approx(1.5 * TENTH_DEGREE_KM - 0.1, rel=0.01)


def test_no_areas_reach_nobody() -> None:
    """An agreement without areas of responsibility gives no reach at all."""
    assert ResponsibilityMap([]).reach_of_path([(32.0, 35.0)]) == {}


def test_a_path_needs_a_point() -> None:
    """An empty path is a programming error."""
    with pytest.raises(ValueError, match="at least one point"):
        AREAS.reach_of_path([])

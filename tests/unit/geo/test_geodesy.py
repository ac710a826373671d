"""WgsGeodesy answers the Geodesy protocol as pyproj's WGS 84 geodesics do."""

from __future__ import annotations

import numpy as np
import pytest
from tests.unit.geo.samples import GEOD

from tanbih.domain.threat import Geodesy
from tanbih.geo import WgsGeodesy


def test_inverse_gives_the_wgs84_azimuth_and_distance() -> None:
    """Tel Aviv to Haifa: the azimuth and distance pyproj's WGS 84 Geod gives."""
    geodesy: Geodesy = WgsGeodesy()
    azimuth, metres = geodesy.inverse(32.08, 34.78, 32.79, 34.99)
    expected_azimuth, _, expected_metres = GEOD.inv(34.78, 32.08, 34.99, 32.79)
    assert azimuth == pytest.approx(expected_azimuth, abs=1e-9)
    assert metres == pytest.approx(expected_metres, abs=1e-6)
    assert 80_000 < metres < 82_000


def test_forward_inverts_inverse() -> None:
    """Going the inverse's azimuth and distance from point 1 arrives at point 2."""
    geodesy = WgsGeodesy()
    azimuth, metres = geodesy.inverse(24.47, 54.37, 26.22, 50.58)
    lat, lon = geodesy.forward(24.47, 54.37, azimuth, metres)
    assert (lat, lon) == pytest.approx((26.22, 50.58), abs=1e-9)


def test_forward_many_matches_forward_point_by_point_and_goes_back_for_negative() -> None:
    """One call over many distances gives what one call per distance gives, negatives behind."""
    geodesy = WgsGeodesy()
    distances = np.array([-5_000.0, 0.0, 1_000.0, 250_000.0])
    lats, lons = geodesy.forward_many(31.5, 34.5, 63.0, distances)
    for lat, lon, metres in zip(lats, lons, distances, strict=True):
        assert (lat, lon) == pytest.approx(geodesy.forward(31.5, 34.5, 63.0, metres), abs=1e-12)
    assert lats[0] < 31.5 < lats[2]

"""The regional plane measures true distances through its scale, and keeps paths unbroken."""

from __future__ import annotations

import math

import numpy as np
import pytest
from tests.unit.geo.samples import point_at

from tanbih.geo.plane import RegionalPlane


@pytest.mark.parametrize(
    ("lat", "azimuth"), [(0.0, 0.0), (16.5, 45.0), (31.8, 90.0), (33.2, 200.0)]
)
def test_plane_metres_convert_true_distances_to_plane_distances(lat: float, azimuth: float) -> None:
    """Over 20 km, a plane distance is the true one times the scale, to within 0.1 %."""
    plane = RegionalPlane.around(24.7, 56.4)
    end = point_at(lat, 40.0, azimuth, 20_000.0)
    x, y = plane.project(np.array([lat, end[0]]), np.array([40.0, end[1]]))
    on_plane = math.hypot(x[1] - x[0], y[1] - y[0])
    expected = plane.plane_metres(np.array([(lat + end[0]) / 2]), np.array([20_000.0]))[0]
    assert on_plane == pytest.approx(expected, rel=1e-3)


def test_project_path_is_unbroken_across_the_antimeridian() -> None:
    """A path crossing 180° keeps moving east on the plane instead of jumping back west."""
    plane = RegionalPlane.around(24.7, 56.4)
    lons = np.array([179.0, 179.9, -179.9, -179.0])
    x, _ = plane.project_path(np.zeros(4), lons)
    steps = np.diff(x)
    assert steps == pytest.approx(steps[0] * np.array([1.0, 0.2 / 0.9, 1.0]))
    assert plane.project_path(np.zeros(2), np.array([30.0, 31.0]))[0][0] < 0

"""The plane zones are indexed and measured in: a regional Mercator with a scale table.

Shapely measures in flat coordinates, so zones and paths are projected once onto a plane. We use
Mercator on the WGS 84 ellipsoid, centred on the region's middle meridian, because it is
conformal (a small distance is stretched by the same factor in every direction, so one number
per point corrects it), its scale factor depends on latitude alone (so a small table built once
gives it without trigonometry at query time), and it is defined everywhere but the poles (no
special case at the equator, unlike a conic). Measured through :meth:`RegionalPlane.plane_metres`,
a radius of up to 100 km is right to within 1 %: the scale drifts that little between a point
and a zone that close to it.
"""

from __future__ import annotations

import math
from typing import Final

import numpy as np
import numpy.typing as npt
import pyproj

Floats = npt.NDArray[np.float64]

# Mercator's scale grows without bound towards the poles; nothing we warn about lives there.
MAX_ABS_LATITUDE: Final = 85.0
_TABLE_STEP_DEG: Final = 0.05
# Mercator repeats every 360° of longitude, that is every 2π equatorial radii of x.
_WORLD_WIDTH_M: Final = 2 * math.pi * 6_378_137.0


class RegionalPlane:
    """Projects WGS 84 (lat, lon) to plane metres and converts true metres to plane metres."""

    def __init__(self, centre_lon: float) -> None:
        """A Mercator plane whose central meridian is ``centre_lon`` (degrees)."""
        self.centre_lon = centre_lon
        crs = pyproj.CRS.from_proj4(f"+proj=merc +lon_0={centre_lon} +ellps=WGS84 +units=m")
        # Built once: creating a transformer costs milliseconds, using one microseconds.
        self._to_plane = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        # Symmetric about the equator, so the table covers one hemisphere.
        self._table_lat: Floats = np.arange(
            0.0, MAX_ABS_LATITUDE + _TABLE_STEP_DEG, _TABLE_STEP_DEG
        )
        factors = pyproj.Proj(crs).get_factors(np.zeros_like(self._table_lat), self._table_lat)
        self._table_scale: Floats = np.asarray(factors.parallel_scale, dtype=np.float64)

    @classmethod
    def around(cls, lon_min: float, lon_max: float) -> RegionalPlane:
        """The plane for a region spanning these longitudes (degrees, west to east)."""
        return cls((lon_min + lon_max) / 2)

    def project(self, lat: Floats, lon: Floats) -> tuple[Floats, Floats]:
        """Plane coordinates (x, y) in metres of the points (lat, lon) in degrees."""
        x, y = self._to_plane.transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def project_path(self, lat: Floats, lon: Floats) -> tuple[Floats, Floats]:
        """Plane coordinates of successive points of a path, unbroken across the antimeridian.

        There x jumps by the world's width; unwrapped, a path leaving the region keeps going
        away from it instead of jumping back across it.
        """
        x, y = self.project(lat, lon)
        if x.max() - x.min() > _WORLD_WIDTH_M / 2:
            x = np.unwrap(x, period=_WORLD_WIDTH_M)
        return x, y

    def plane_metres(self, lat: Floats, metres: Floats) -> Floats:
        """What ``metres`` of true distance measure on the plane near latitudes ``lat``."""
        scale = np.interp(np.abs(lat), self._table_lat, self._table_scale)
        return np.asarray(metres * scale, dtype=np.float64)

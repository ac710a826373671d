"""Geodesics on the WGS 84 ellipsoid, by pyproj (Karney's algorithms, accurate to nanometres).

:class:`WgsGeodesy` implements the domain's :class:`~tanbih.domain.threat.Geodesy` protocol for
single points, and offers the same computations over numpy arrays for the hot paths, where one
call on many points costs little more than a call on one.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyproj

Floats = npt.NDArray[np.float64]


class WgsGeodesy:
    """Forward and inverse geodesic problems on WGS 84; angles in degrees, distances in metres."""

    def __init__(self) -> None:
        """A geodesy on the WGS 84 ellipsoid."""
        self._geod = pyproj.Geod(ellps="WGS84")

    def inverse(self, lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
        """Forward azimuth in degrees and distance in metres from point 1 to point 2."""
        azimuth, _, distance = self._geod.inv(lon1, lat1, lon2, lat2)
        return float(azimuth), float(distance)

    def forward(
        self, lat: float, lon: float, azimuth_deg: float, distance_m: float
    ) -> tuple[float, float]:
        """The point reached from (lat, lon) along ``azimuth_deg`` after ``distance_m``."""
        lon2, lat2, _ = self._geod.fwd(lon, lat, azimuth_deg, distance_m)
        return float(lat2), float(lon2)

    def forward_many(
        self, lat: float, lon: float, azimuth_deg: float, distances_m: Floats
    ) -> tuple[Floats, Floats]:
        """Latitudes and longitudes reached from one point along one azimuth after each distance.

        A negative distance goes backwards along the same geodesic.
        """
        count = distances_m.shape
        lon2, lat2, _ = self._geod.fwd(
            np.full(count, lon), np.full(count, lat), np.full(count, azimuth_deg), distances_m
        )
        return np.asarray(lat2, dtype=np.float64), np.asarray(lon2, dtype=np.float64)

    def along(
        self, lat: float, lon: float, azimuth_deg: float, start_m: float, step_m: float, count: int
    ) -> tuple[Floats, Floats]:
        """Latitudes and longitudes of ``count`` points ``step_m`` apart on the geodesic leaving
        (lat, lon) along ``azimuth_deg``, the first ``start_m`` from it (negative: behind).

        Several times faster than :meth:`forward_many` for evenly spaced points: pyproj walks
        one geodesic line instead of solving a problem per point.
        """
        lon1, lat1, azimuth1 = self._geod.fwd(
            lon, lat, azimuth_deg, start_m, return_back_azimuth=False
        )
        line = self._geod.fwd_intermediate(
            lon1,
            lat1,
            azimuth1,
            npts=count,
            del_s=step_m,
            initial_idx=0,
            terminus_idx=0,
            return_back_azimuth=True,
        )
        return np.asarray(line.lats, dtype=np.float64), np.asarray(line.lons, dtype=np.float64)

"""Synthetic zones and states for the geo tests: squares in (lat, lon), a fixed now."""

from __future__ import annotations

from datetime import UTC, datetime
from types import MappingProxyType

import pyproj

from tanbih.domain.coalition import Zone
from tanbih.domain.threat import Kinematics

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
GEOD = pyproj.Geod(ellps="WGS84")


def box_zone(
    zone_id: str, south: float, west: float, north: float, east: float, *, shelter: int = 15
) -> Zone:
    """A zone whose outline is the (lat, lon) box from (south, west) to (north, east)."""
    ring = ((south, west), (south, east), (north, east), (north, west), (south, west))
    return Zone(zone_id, "xx", MappingProxyType({"en": zone_id}), shelter, (ring,))


def square_at(zone_id: str, lat: float, lon: float, half_deg: float) -> Zone:
    """A square zone of ``2 * half_deg`` degrees a side, centred on (lat, lon)."""
    return box_zone(zone_id, lat - half_deg, lon - half_deg, lat + half_deg, lon + half_deg)


def state(
    lat: float, lon: float, speed: float, heading: float, *, time: datetime = NOW
) -> Kinematics:
    """A state of motion at ``time`` (``NOW`` by default), 1 km up."""
    return Kinematics(time, lat, lon, 1000.0, speed, heading)


def point_at(lat: float, lon: float, azimuth: float, distance: float) -> tuple[float, float]:
    """The point ``distance`` metres from (lat, lon) along ``azimuth``, by pyproj."""
    lon2, lat2, _ = GEOD.fwd(lon, lat, azimuth, distance)
    return lat2, lon2


def distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Geodesic distance in metres, by pyproj."""
    _, _, metres = GEOD.inv(lon1, lat1, lon2, lat2)
    return float(metres)

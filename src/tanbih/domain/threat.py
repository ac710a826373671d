"""What is in the air: threat classes, a fused state of motion, and where a threat will strike.

These are the values the assessment passes between its steps: fusion produces ``Kinematics``
(and an ``Impact`` for ballistic reports); prediction turns them into ``ZoneExposure``s; the
warning decision turns exposures into staged CAP warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol


class ThreatClass(StrEnum):
    """What a reporter says the object is; declared from least to most specific."""

    UNKNOWN = "unknown"
    AIRCRAFT = "aircraft"
    UAV = "uav"
    ROCKET = "rocket"
    CRUISE_MISSILE = "cruise_missile"
    BALLISTIC_MISSILE = "ballistic_missile"


@dataclass(frozen=True, slots=True)
class Kinematics:
    """A state of motion at ``time``: WGS 84 position, ground speed, true heading, climb."""

    time: datetime
    lat: float
    lon: float
    alt_m: float
    speed_mps: float
    heading_deg: float
    climb_mps: float = 0.0


@dataclass(frozen=True, slots=True)
class Impact:
    """A predicted impact point with its uncertainty radius, and when, if known."""

    lat: float
    lon: float
    radius_m: float
    time: datetime | None = None


@dataclass(frozen=True, slots=True)
class ZoneExposure:
    """One zone a threat is predicted to reach: the earliest time it may arrive there."""

    zone_id: str
    partner_id: str
    eta: datetime
    shelter_seconds: int


class Geodesy(Protocol):
    """Geodesic computations on the WGS 84 ellipsoid, injected so the domain stays pure."""

    def inverse(self, lat1: float, lon1: float, lat2: float, lon2: float) -> tuple[float, float]:
        """Forward azimuth in degrees and distance in metres from point 1 to point 2."""
        ...

    def forward(
        self, lat: float, lon: float, azimuth_deg: float, distance_m: float
    ) -> tuple[float, float]:
        """The point reached from (lat, lon) along ``azimuth_deg`` after ``distance_m``."""
        ...

"""Where a scenario's threat truly is at each second: the ground truth the sensors see and the
scoring measures warnings against.

Three ways to fly, as a scenario gives them: waypoints with the speed of each leg, a launch
point with heading and speed, a ballistic launch with its impact point and flight time (a
parabola in height over a geodesic ground track). Geodesy is pyproj's, as in prediction.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import pyproj

from tanbih.exercise.schema import ThreatEntry, Waypoint

_GEOD = pyproj.Geod(ellps="WGS84")


@dataclass(frozen=True, slots=True)
class TrueState:
    """The object at one moment: position, ground speed, true heading, climb."""

    t: float
    lat: float
    lon: float
    alt_m: float
    speed_mps: float
    heading_deg: float
    climb_mps: float


@dataclass(frozen=True, slots=True)
class _Leg:
    start_s: float
    end_s: float
    lat: float
    lon: float
    azimuth: float
    speed: float
    alt0: float
    alt1: float


@dataclass(frozen=True, slots=True)
class Flight:
    """A threat's true flight: legs in time, and its impact point if ballistic."""

    threat: ThreatEntry
    legs: tuple[_Leg, ...]
    apogee_m: float = 0.0

    @property
    def start_s(self) -> float:
        """When it appears (seconds after the scenario's start)."""
        return self.legs[0].start_s

    @property
    def end_s(self) -> float:
        """When it lands, is shot down, or its track ends."""
        end = self.legs[-1].end_s
        if self.threat.neutralised_at is not None:
            return min(end, self.threat.neutralised_at)
        return end

    @property
    def ballistic(self) -> bool:
        """Whether it flies a ballistic arc to a known impact point."""
        return self.threat.ballistic is not None

    def at(self, t: float) -> TrueState | None:
        """The state at ``t``; ``None`` before it appears or after it ends."""
        if t < self.start_s or t > self.end_s:
            return None
        leg = next((leg for leg in self.legs if t <= leg.end_s), self.legs[-1])
        flown = leg.speed * (t - leg.start_s)
        lon, lat, back = _GEOD.fwd(leg.lon, leg.lat, leg.azimuth, flown)
        heading = (float(back) + 180.0) % 360.0
        span = max(leg.end_s - leg.start_s, 1e-9)
        share = (t - leg.start_s) / span
        if self.ballistic:
            alt = 4.0 * self.apogee_m * share * (1.0 - share)
            climb = 4.0 * self.apogee_m * (1.0 - 2.0 * share) / span
        else:
            alt = leg.alt0 + (leg.alt1 - leg.alt0) * share
            climb = (leg.alt1 - leg.alt0) / span
        return TrueState(t, float(lat), float(lon), alt, leg.speed, heading, climb)

    def track(self, step_s: float = 1.0) -> list[TrueState]:
        """The states every ``step_s`` from appearing to ending, the end included."""
        count = max(int((self.end_s - self.start_s) / step_s), 0)
        times = [self.start_s + i * step_s for i in range(count + 1)]
        if times[-1] < self.end_s:
            times.append(self.end_s)
        return [s for t in times if (s := self.at(t)) is not None]


def flight_of(threat: ThreatEntry) -> Flight:
    """The true flight a scenario's threat entry describes."""
    if threat.waypoints is not None:
        return Flight(threat, _waypoint_legs(threat.at, threat.waypoints))
    if threat.launch is not None:
        launch = threat.launch
        leg = _Leg(
            threat.at,
            threat.at + launch.flight_s,
            launch.lat,
            launch.lon,
            launch.heading_deg,
            launch.speed_mps,
            launch.alt_m,
            launch.alt_m,
        )
        return Flight(threat, (leg,))
    arc = threat.ballistic
    if arc is None:
        raise ValueError(f"threat {threat.id!r} has no way to fly")  # the schema forbids it
    azimuth, _, distance = _GEOD.inv(arc.launch.lon, arc.launch.lat, arc.impact.lon, arc.impact.lat)
    leg = _Leg(
        threat.at,
        threat.at + arc.flight_s,
        arc.launch.lat,
        arc.launch.lon,
        float(azimuth),
        float(distance) / arc.flight_s,
        0.0,
        0.0,
    )
    return Flight(threat, (leg,), apogee_m=arc.apogee_m)


def _waypoint_legs(start: float, points: list[Waypoint]) -> tuple[_Leg, ...]:
    legs: list[_Leg] = []
    t = start
    speed = 0.0
    for a, b in pairwise(points):
        speed = a.speed_mps or speed or 1.0
        azimuth, _, distance = _GEOD.inv(a.lon, a.lat, b.lon, b.lat)
        duration = max(float(distance) / speed, 1e-3)
        legs.append(_Leg(t, t + duration, a.lat, a.lon, float(azimuth), speed, a.alt_m, b.alt_m))
        t += duration
    return tuple(legs)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The geodesic distance between two points, in metres."""
    return float(_GEOD.inv(lon1, lat1, lon2, lat2)[2])


def offset(lat: float, lon: float, bearing_deg: float, metres: float) -> tuple[float, float]:
    """The point ``metres`` from (lat, lon) along ``bearing_deg``."""
    lon2, lat2, _ = _GEOD.fwd(lon, lat, bearing_deg, metres)
    return float(lat2), float(lon2)


def heading_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The initial true heading from point 1 to point 2, 0 ≤ h < 360."""
    return float(_GEOD.inv(lon1, lat1, lon2, lat2)[0]) % 360.0

"""What a partner's sensor reports seeing in the air, and whether the report is plausible.

An ``Observation`` is one report of one object at one time: where it is, how it moves, what the
reporter thinks it is. Velocity is kept in one form, ground speed and true heading (as
``Kinematics`` keeps it); a reporter giving an east/north vector converts it with
:func:`ground_velocity`. ``observation_problems`` checks a report before anything trusts it and
names each bad field with a message a sensor integrator can act on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from tanbih.domain.cap import Status
from tanbih.domain.threat import Impact, Kinematics, ThreatClass

# Highest plausible ground speed per class, in m/s. Generous on purpose: refusing a real report
# costs more than accepting a fast one. Jet-powered UAVs reach ~170 m/s; supersonic cruise
# missiles Mach 3; artillery and heavy rockets ~2 km/s; a medium-range ballistic missile
# re-enters at 3-5 km/s (7.5 km/s covers longer ranges); an unknown object may be any of these.
MAX_SPEED_MPS: MappingProxyType[ThreatClass, float] = MappingProxyType(
    {
        ThreatClass.UAV: 250.0,
        ThreatClass.CRUISE_MISSILE: 1_200.0,
        ThreatClass.BALLISTIC_MISSILE: 7_500.0,
        ThreatClass.ROCKET: 2_000.0,
        ThreatClass.AIRCRAFT: 1_000.0,
        ThreatClass.UNKNOWN: 7_500.0,
    }
)
# Altitude range: the Dead Sea shore (-430 m) up to a medium-range ballistic apogee.
MIN_ALTITUDE_M = -500.0
MAX_ALTITUDE_M = 1_500_000.0
# Largest impact uncertainty a launch-detection report may give that still names an area.
MAX_IMPACT_RADIUS_M = 200_000.0
DEFAULT_MAX_SKEW = timedelta(seconds=10)
DEFAULT_MAX_AGE = timedelta(minutes=10)
_REPORTABLE = frozenset({Status.ACTUAL, Status.EXERCISE})


class EndReport(StrEnum):
    """A reporter's word that the object is no longer a threat."""

    NEUTRALISED = "neutralised"
    LANDED = "landed"


@dataclass(frozen=True, slots=True)
class Observation:
    """One report of one airborne object by one partner's sensor.

    ``id`` is the reporter's id for this report (receivers dedupe on it); ``track_id`` is the
    reporter's own id for the object across its reports, if it keeps one. ``confidence`` (0..1)
    is how sure the reporter is of the report. ``status`` is ``Actual`` or ``Exercise``: exercise
    reports only ever produce exercise warnings.
    """

    id: str
    partner_id: str
    sensor_id: str
    time: datetime
    lat: float
    lon: float
    alt_m: float
    speed_mps: float
    heading_deg: float
    threat_class: ThreatClass
    confidence: float
    status: Status
    track_id: str | None = None
    climb_mps: float = 0.0
    impact: Impact | None = None
    ended: EndReport | None = None

    @property
    def kinematics(self) -> Kinematics:
        """The reported state of motion."""
        return Kinematics(
            self.time,
            self.lat,
            self.lon,
            self.alt_m,
            self.speed_mps,
            self.heading_deg,
            self.climb_mps,
        )


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One thing wrong with a report: the field (dotted for nested ones) and why."""

    field: str
    message: str


def ground_velocity(east_mps: float, north_mps: float) -> tuple[float, float]:
    """Ground speed (m/s) and true heading (degrees, 0 ≤ h < 360) of an east/north vector.

    A motionless object gets heading 0: it has no direction, and 0 keeps the value in range.
    """
    speed = math.hypot(east_mps, north_mps)
    if speed == 0:
        return 0.0, 0.0
    return speed, math.degrees(math.atan2(east_mps, north_mps)) % 360.0


def observation_problems(
    obs: Observation,
    now: datetime,
    max_skew: timedelta = DEFAULT_MAX_SKEW,
    max_age: timedelta = DEFAULT_MAX_AGE,
) -> list[FieldProblem]:
    """Everything implausible in ``obs`` received at ``now``; empty if it may be fused.

    ``max_skew`` is how far in the future a report's time may be (sensor clocks drift);
    ``max_age`` how old it may be before it says nothing useful about the present.
    """
    found: list[FieldProblem] = []
    for name, value in (
        ("id", obs.id),
        ("partner_id", obs.partner_id),
        ("sensor_id", obs.sensor_id),
    ):
        if not value.strip():
            found.append(FieldProblem(name, f"{name} must not be empty"))
    if obs.track_id is not None and not obs.track_id.strip():
        found.append(FieldProblem("track_id", "track_id must not be empty; omit it instead"))
    _check_time(found, "time", obs.time, now, max_skew, max_age)
    _check_position(found, "", obs.lat, obs.lon)
    if not (math.isfinite(obs.alt_m) and MIN_ALTITUDE_M <= obs.alt_m <= MAX_ALTITUDE_M):
        found.append(
            FieldProblem(
                "alt_m",
                f"altitude {obs.alt_m} m is outside {MIN_ALTITUDE_M:.0f}..{MAX_ALTITUDE_M:.0f} m",
            )
        )
    _check_motion(found, obs)
    if not (math.isfinite(obs.confidence) and 0.0 <= obs.confidence <= 1.0):
        found.append(FieldProblem("confidence", f"confidence {obs.confidence} is not in 0..1"))
    if obs.status not in _REPORTABLE:
        found.append(
            FieldProblem("status", f"status {obs.status} is not reportable; use Actual or Exercise")
        )
    if obs.impact is not None:
        _check_impact(found, obs.impact, obs.time)
    return found


def _check_time(
    found: list[FieldProblem],
    name: str,
    moment: datetime,
    now: datetime,
    max_skew: timedelta,
    max_age: timedelta,
) -> None:
    if moment.utcoffset() is None:
        found.append(FieldProblem(name, f"{name} has no time-zone offset; give one (e.g. Z)"))
    elif moment > now + max_skew:
        ahead = (moment - now).total_seconds()
        found.append(
            FieldProblem(
                name,
                f"{name} is {ahead:.1f} s in the future; at most "
                f"{max_skew.total_seconds():.0f} s of clock skew is allowed",
            )
        )
    elif moment < now - max_age:
        age = (now - moment).total_seconds()
        found.append(
            FieldProblem(
                name,
                f"{name} is {age:.0f} s old; reports older than "
                f"{max_age.total_seconds():.0f} s no longer describe the air picture",
            )
        )


def _check_position(found: list[FieldProblem], prefix: str, lat: float, lon: float) -> None:
    if not (math.isfinite(lat) and -90.0 <= lat <= 90.0):
        found.append(FieldProblem(f"{prefix}lat", f"latitude {lat} is not in -90..90"))
    if not (math.isfinite(lon) and -180.0 <= lon <= 180.0):
        found.append(FieldProblem(f"{prefix}lon", f"longitude {lon} is not in -180..180"))


def _check_motion(found: list[FieldProblem], obs: Observation) -> None:
    limit = MAX_SPEED_MPS[obs.threat_class]
    if not (math.isfinite(obs.speed_mps) and obs.speed_mps >= 0.0):
        found.append(FieldProblem("speed_mps", f"speed {obs.speed_mps} m/s must be ≥ 0"))
    elif obs.speed_mps > limit:
        found.append(
            FieldProblem(
                "speed_mps",
                f"speed {obs.speed_mps:.0f} m/s is implausible for a {obs.threat_class} "
                f"(at most {limit:.0f} m/s); check the unit or the class",
            )
        )
    if not (math.isfinite(obs.heading_deg) and 0.0 <= obs.heading_deg < 360.0):
        found.append(
            FieldProblem("heading_deg", f"heading {obs.heading_deg}° is not in 0 ≤ h < 360")
        )
    # A ballistic re-entry is mostly vertical, so the climb rate shares the class's limit.
    if not (math.isfinite(obs.climb_mps) and abs(obs.climb_mps) <= limit):
        found.append(
            FieldProblem(
                "climb_mps",
                f"climb rate {obs.climb_mps} m/s is implausible for a {obs.threat_class} "
                f"(at most ±{limit:.0f} m/s)",
            )
        )


def _check_impact(found: list[FieldProblem], impact: Impact, reported_at: datetime) -> None:
    _check_position(found, "impact.", impact.lat, impact.lon)
    radius = impact.radius_m
    if not (math.isfinite(radius) and 0.0 < radius <= MAX_IMPACT_RADIUS_M):
        found.append(
            FieldProblem(
                "impact.radius_m",
                f"impact radius {radius} m must be > 0 and at most {MAX_IMPACT_RADIUS_M:.0f} m",
            )
        )
    if impact.time is None:
        return
    if impact.time.utcoffset() is None:
        found.append(FieldProblem("impact.time", "impact.time has no time-zone offset"))
    elif reported_at.utcoffset() is not None and impact.time < reported_at:
        found.append(
            FieldProblem("impact.time", "impact.time is before the time of the report itself")
        )

"""Where a threat will be: great-circle dead reckoning with a corridor that widens with time.

From its latest state a threat is assumed to keep its ground speed along the geodesic that
starts at its position with its heading (on the ellipsoid, the "great circle"). Nobody knows
where it turns next, so the prediction is a corridor: at ``t`` seconds the threat is within

    r(t) = initial_m + growth × speed × (t − time of the state)

of the dead-reckoned point (a state reported from the future, by clock skew, counts from
``initial_m``). ``initial_m`` is the reported position's own error; ``growth`` is how far, as a
share of the distance flown, the class can stray from its line: turns, speed changes. Each
class has one line in :data:`UNCERTAINTY`:

    class               initial_m  growth   radius after 15 min at a typical speed
    unknown                 2,000    0.20   2 km + 0.20 × 225 km (250 m/s) = 47 km
    aircraft                1,000    0.20   1 km + 0.20 × 180 km (200 m/s) = 37 km
    uav                       500    0.15   0.5 km + 0.15 × 45 km (50 m/s) = 7.3 km
    rocket                    500    0.05   (minutes of flight at most; with an impact, unused)
    cruise_missile          1,000    0.10   1 km + 0.10 × 225 km (250 m/s) = 23.5 km
    ballistic_missile       2,000    0.05   (with an impact point, unused)

Engineering judgement, not fitted to data; a new report replaces the prediction anyway.
Altitude and climb do not change the ground track.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from types import MappingProxyType
from typing import Final

import numpy as np

from tanbih.domain.threat import Impact, Kinematics, ThreatClass
from tanbih.geo.geodesy import Floats, WgsGeodesy

# The path is sampled every LEG_M metres of flight; between samples it is a straight leg on the
# plane. Over 10 km a geodesic strays about a metre from that chord, and the plane's scale varies
# by 0.1 %: arrival times stay within a tenth of a second for drones, less for faster threats.
LEG_M: Final = 10_000.0


@dataclass(frozen=True, slots=True)
class Uncertainty:
    """A corridor model: radius ``initial_m`` at the state, plus ``growth`` per metre flown."""

    initial_m: float
    growth: float

    def __post_init__(self) -> None:
        # A corridor growing as fast as the threat flies would hold everything it passed.
        if self.initial_m < 0 or not 0 <= self.growth < 1:
            raise ValueError("an uncertainty needs initial_m >= 0 and 0 <= growth < 1")

    def radius_m(self, flown_m: Floats) -> Floats:
        """The corridor radius in metres after flying ``flown_m`` metres from the state."""
        return self.initial_m + self.growth * flown_m


ZERO_UNCERTAINTY: Final = Uncertainty(0.0, 0.0)

UNCERTAINTY: Final[Mapping[ThreatClass, Uncertainty]] = MappingProxyType(
    {
        # Anything may manoeuvre: the widest corridor.
        ThreatClass.UNKNOWN: Uncertainty(2_000.0, 0.20),
        ThreatClass.AIRCRAFT: Uncertainty(1_000.0, 0.20),
        # Slow, low, and flies waypoints: turns are likely over minutes of flight.
        ThreatClass.UAV: Uncertainty(500.0, 0.15),
        # Unguided: its track is set at launch.
        ThreatClass.ROCKET: Uncertainty(500.0, 0.05),
        # Guided and terrain-following, with waypoints of its own.
        ThreatClass.CRUISE_MISSILE: Uncertainty(1_000.0, 0.10),
        # Without an impact point, a short-lived early track of a long, straight flight.
        ThreatClass.BALLISTIC_MISSILE: Uncertainty(2_000.0, 0.05),
    }
)

# Their ground track before impact endangers no one: with an impact point, only its area does.
BALLISTIC: Final = frozenset({ThreatClass.ROCKET, ThreatClass.BALLISTIC_MISSILE})


@dataclass(frozen=True, slots=True)
class PathSamples:
    """The dead-reckoned path as arrays: seconds after ``now``, position, corridor radius."""

    offsets_s: Floats
    lat: Floats
    lon: Floats
    radius_m: Floats


@dataclass(frozen=True, slots=True)
class PredictedPath:
    """The path to draw: (lat, lon, time) every :data:`LEG_M` of flight and at the horizon,
    with the corridor radius at each point."""

    points: tuple[tuple[float, float, datetime], ...]
    radii_m: tuple[float, ...]


@cache
def wgs84() -> WgsGeodesy:
    """The one geodesy the predictions share; made on first use, not at import."""
    return WgsGeodesy()


def leg_offsets(speed_mps: float, horizon_s: float) -> Floats:
    """Seconds after now of the samples: every :data:`LEG_M` of flight, until the horizon is
    covered. The samples depend on the speed alone, so a shorter horizon follows the same legs.
    A threat that does not move needs one sample."""
    step = LEG_M / speed_mps if speed_mps > 0 else math.inf
    if horizon_s <= 0 or not math.isfinite(step):
        return np.zeros(1)
    return np.arange(math.ceil(horizon_s / step) + 1, dtype=np.float64) * step


def sample_path(
    kinematics: Kinematics, uncertainty: Uncertainty, *, offsets_s: Floats, now: datetime
) -> PathSamples:
    """The dead-reckoned positions and corridor radii at ``offsets_s`` seconds after ``now``.

    The state may be older than ``now`` (or, by clock skew, newer): positions and radii count
    from the state's own time.
    """
    flown = kinematics.speed_mps * (offsets_s + (now - kinematics.time).total_seconds())
    lat, lon = wgs84().forward_many(kinematics.lat, kinematics.lon, kinematics.heading_deg, flown)
    return PathSamples(offsets_s, lat, lon, uncertainty.radius_m(np.maximum(flown, 0.0)))


def leg_samples(
    kinematics: Kinematics, uncertainty: Uncertainty, *, horizon_s: float, now: datetime
) -> PathSamples:
    """:func:`sample_path` at :func:`leg_offsets`: the same points, found faster."""
    offsets = leg_offsets(kinematics.speed_mps, horizon_s)
    start = kinematics.speed_mps * (now - kinematics.time).total_seconds()
    lat, lon = wgs84().along(
        kinematics.lat, kinematics.lon, kinematics.heading_deg, start, LEG_M, offsets.size
    )
    flown = start + LEG_M * np.arange(offsets.size)
    return PathSamples(offsets, lat, lon, uncertainty.radius_m(np.maximum(flown, 0.0)))


def impact_offset_s(kinematics: Kinematics, impact: Impact, now: datetime) -> float:
    """Seconds from ``now`` to the impact: its stated time, else the distance at the state's
    speed (at once if the threat is not moving); never before ``now``."""
    if impact.time is not None:
        offset = (impact.time - now).total_seconds()
    elif kinematics.speed_mps > 0:
        _, distance = wgs84().inverse(kinematics.lat, kinematics.lon, impact.lat, impact.lon)
        offset = distance / kinematics.speed_mps - (now - kinematics.time).total_seconds()
    else:
        offset = 0.0
    return max(offset, 0.0)


def predict_path(
    kinematics: Kinematics,
    threat_class: ThreatClass,
    impact: Impact | None,
    *,
    horizon_s: float,
    now: datetime,
    uncertainty: Uncertainty | None = None,
) -> PredictedPath:
    """The dead-reckoned path and corridor for display; a ballistic one stops at its impact."""
    if impact is not None and threat_class in BALLISTIC:
        horizon_s = min(horizon_s, impact_offset_s(kinematics, impact, now))
    model = UNCERTAINTY[threat_class] if uncertainty is None else uncertainty
    offsets = np.minimum(leg_offsets(kinematics.speed_mps, horizon_s), max(horizon_s, 0.0))
    samples = sample_path(kinematics, model, offsets_s=offsets, now=now)
    points = tuple(
        (float(lat), float(lon), now + timedelta(seconds=float(offset)))
        for lat, lon, offset in zip(samples.lat, samples.lon, samples.offsets_s, strict=True)
    )
    return PredictedPath(points, tuple(float(r) for r in samples.radius_m))

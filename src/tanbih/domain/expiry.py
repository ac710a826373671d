"""When a threat ends without being reported neutralised or landed.

Two rules, checked for every live threat at ``now``:

- **not seen**: no report for longer than its class's timeout (``NOT_SEEN_TIMEOUT``). A threat
  with a predicted impact is never ended this way before that impact plus ``IMPACT_GRACE``:
  ballistic threats are often reported once, at launch, and fly for minutes unseen;
- **left the region**: its course, dead-reckoned from its last state up to ``now + lookahead``,
  never enters the covered region, and its impact point (if any) lies outside too. Looking ahead
  keeps a threat first seen outside and heading in.

Ending is permanent: a later report of the same object starts a new threat.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from tanbih.domain.coalition import Zone
from tanbih.domain.fusion import EndReason, Threat, dead_reckon
from tanbih.domain.threat import Geodesy, ThreatClass

# How long a threat may go unreported before it is presumed gone. Err long: ending a threat too
# early gives an all clear while something still flies. Low fliers (UAVs, cruise missiles) drop
# out of radar cover behind terrain; rockets fly for under two minutes.
NOT_SEEN_TIMEOUT: MappingProxyType[ThreatClass, timedelta] = MappingProxyType(
    {
        ThreatClass.UAV: timedelta(seconds=120),
        ThreatClass.CRUISE_MISSILE: timedelta(seconds=90),
        ThreatClass.BALLISTIC_MISSILE: timedelta(seconds=60),
        ThreatClass.ROCKET: timedelta(seconds=45),
        ThreatClass.AIRCRAFT: timedelta(seconds=180),
        ThreatClass.UNKNOWN: timedelta(seconds=120),
    }
)
IMPACT_GRACE = timedelta(seconds=30)
DEFAULT_LOOKAHEAD = timedelta(minutes=15)
# Points sampled along the look-ahead course; a region narrower than one step may be missed.
COURSE_SAMPLES = 16

InRegion = Callable[[float, float], bool]
"""Whether a (lat, lon) point lies in the covered region."""


@dataclass(frozen=True, slots=True)
class BoundingBox:
    """A latitude/longitude box (not crossing the antimeridian) as a region predicate."""

    south: float
    west: float
    north: float
    east: float

    def contains(self, lat: float, lon: float) -> bool:
        """Whether (lat, lon) lies in the box, edges included."""
        return self.south <= lat <= self.north and self.west <= lon <= self.east


def expire(
    threats: Mapping[str, Threat],
    now: datetime,
    geodesy: Geodesy,
    in_region: InRegion | None = None,
    lookahead: timedelta = DEFAULT_LOOKAHEAD,
) -> tuple[Threat, ...]:
    """The live threats that end at ``now``, ended (``ended``/``ended_at`` set), by id.

    Without ``in_region`` only the not-seen rule applies.
    """
    ended: list[Threat] = []
    for threat in sorted(threats.values(), key=lambda t: t.id):
        if not threat.is_live:
            continue
        reason = _end_reason(threat, now, geodesy, in_region, lookahead)
        if reason is not None:
            ended.append(replace(threat, ended=reason, ended_at=now))
    return tuple(ended)


def not_seen_deadline(threat: Threat, geodesy: Geodesy) -> datetime:
    """When ``threat`` ends if no report comes: its timeout, held until after its impact."""
    deadline = threat.last_seen + NOT_SEEN_TIMEOUT[threat.threat_class]
    impact_time = _impact_time(threat, geodesy)
    if impact_time is not None:
        deadline = max(deadline, impact_time + IMPACT_GRACE)
    return deadline


def _end_reason(
    threat: Threat,
    now: datetime,
    geodesy: Geodesy,
    in_region: InRegion | None,
    lookahead: timedelta,
) -> EndReason | None:
    if now >= not_seen_deadline(threat, geodesy):
        return EndReason.NOT_SEEN
    if in_region is not None and _left_region(threat, now + lookahead, geodesy, in_region):
        return EndReason.LEFT_REGION
    return None


def _impact_time(threat: Threat, geodesy: Geodesy) -> datetime | None:
    """The reported impact time, else the time to fly there at the last known speed."""
    impact = threat.impact
    if impact is None:
        return None
    if impact.time is not None:
        return impact.time
    state = threat.state
    if state.speed_mps <= 0:
        return None
    _, distance = geodesy.inverse(state.lat, state.lon, impact.lat, impact.lon)
    return state.time + timedelta(seconds=distance / state.speed_mps)


def _left_region(threat: Threat, until: datetime, geodesy: Geodesy, in_region: InRegion) -> bool:
    impact = threat.impact
    if impact is not None and in_region(impact.lat, impact.lon):
        return False
    start = threat.state
    span = until - start.time
    for k in range(COURSE_SAMPLES + 1):
        point = dead_reckon(start, start.time + span * (k / COURSE_SAMPLES), geodesy)
        if in_region(point.lat, point.lon):
            return False
    return True


def covered_region(zones: Iterable[Zone], margin_deg: float) -> BoundingBox:
    """The box around every zone's outer ring, widened by ``margin_deg`` on each side.

    A threat that leaves it can no longer reach a zone within any warning horizon.
    """
    lats = [lat for zone in zones for lat, _ in zone.rings[0]]
    lons = [lon for zone in zones for _, lon in zone.rings[0]]
    if not lats:
        raise ValueError("a coalition without zones covers no region")
    return BoundingBox(
        south=max(min(lats) - margin_deg, -90.0),
        west=max(min(lons) - margin_deg, -180.0),
        north=min(max(lats) + margin_deg, 90.0),
        east=min(max(lons) + margin_deg, 180.0),
    )

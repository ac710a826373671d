"""Which zones a threat will reach, and the earliest time it may arrive at each.

Two sources of exposure, merged by earliest ETA per zone:

- The corridor (:mod:`tanbih.geo.path`): a zone is reached at the first time ``t`` the threat
  may be within r(t) of it. The zones within r at ``now`` are reached at once. The path's legs
  are matched with the zones' parts by bounding boxes, then by bounding circles; each pair left
  is solved exactly (:mod:`tanbih.geo.arrival`) and a part keeps its earliest arrival. Zone
  outlines are simplified to within :data:`~tanbih.geo.zone_index.TOLERANCE_M` (5 m) and the
  corridor widened by as much, so an ETA may be early by that distance at the threat's speed
  (0.1 s at 50 m/s), never late.
- The impact area: zones within ``impact.radius_m`` of the impact point are reached at the
  impact time (see :func:`~tanbih.geo.path.impact_offset_s`). For a ballistic class with an
  impact point this is the only source: its track before impact is no danger to the ground.

A zone whose ETA is after the horizon is left out; the ETA of a zone does not depend on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import repeat

import numba
import numpy as np

from tanbih.domain.threat import Impact, Kinematics, ThreatClass, ZoneExposure
from tanbih.geo.arrival import START, Legs, first_entries
from tanbih.geo.path import (
    BALLISTIC,
    UNCERTAINTY,
    Uncertainty,
    impact_offset_s,
    leg_samples,
)
from tanbih.geo.plane import Floats
from tanbih.geo.zone_index import TOLERANCE_M, Indices, ZoneIndex


@dataclass(frozen=True, slots=True)
class Arrivals:
    """The zones a threat may reach as columns: each zone's position in the index's ``zones``
    and its earliest arrival in seconds after ``now``, by arrival then zone id, one row per
    zone. The assessment keeps these through its decision instead of one object per zone."""

    zone: Indices
    offset_s: Floats


def predict_exposures(
    kinematics: Kinematics,
    threat_class: ThreatClass,
    impact: Impact | None,
    index: ZoneIndex,
    *,
    horizon_s: float,
    now: datetime,
    uncertainty: Uncertainty | None = None,
) -> tuple[ZoneExposure, ...]:
    """Every zone the threat may reach within ``horizon_s`` of ``now``, earliest ETA first.

    ``uncertainty`` replaces the class's corridor model (tests use a zero-width corridor).
    """
    arrivals = predict_arrivals(
        kinematics,
        threat_class,
        impact,
        index,
        horizon_s=horizon_s,
        now=now,
        uncertainty=uncertainty,
    )
    zone = arrivals.zone
    # Built by map over whole columns, not per zone in a generator.
    etas = map(now.__add__, map(timedelta, repeat(0), arrivals.offset_s.tolist()))
    return tuple(
        map(
            ZoneExposure,
            index.zone_ids[zone].tolist(),
            index.zone_partners[zone].tolist(),
            etas,
            index.zone_shelter_seconds[zone].tolist(),
        )
    )


def predict_arrivals(
    kinematics: Kinematics,
    threat_class: ThreatClass,
    impact: Impact | None,
    index: ZoneIndex,
    *,
    horizon_s: float,
    now: datetime,
    uncertainty: Uncertainty | None = None,
) -> Arrivals:
    """:func:`predict_exposures` as columns (:class:`Arrivals`)."""
    zones: list[Indices] = []
    offsets: list[Floats] = []
    if impact is not None:
        offset = impact_offset_s(kinematics, impact, now)
        struck = index.zones_within(impact.lat, impact.lon, impact.radius_m)
        zones.append(struck)
        offsets.append(np.full(struck.shape, offset))
    if impact is None or threat_class not in BALLISTIC:
        model = UNCERTAINTY[threat_class] if uncertainty is None else uncertainty
        part, offset_s = _corridor_arrivals(kinematics, model, index, horizon_s=horizon_s, now=now)
        zones.append(index.part_zone[part])
        offsets.append(offset_s)
    zone, offset_s = np.concatenate(zones), np.concatenate(offsets)
    due = offset_s <= horizon_s
    return _earliest(index, zone[due], offset_s[due])


def _corridor_arrivals(
    kinematics: Kinematics, model: Uncertainty, index: ZoneIndex, *, horizon_s: float, now: datetime
) -> tuple[Indices, Floats]:
    """(part, seconds after now) for each part the corridor reaches, at its first arrival."""
    path = leg_samples(kinematics, model, horizon_s=horizon_s, now=now)
    x, y = index.plane.project_path(path.lat, path.lon)
    reach = index.plane.plane_metres(path.lat, path.radius_m + TOLERANCE_M)
    at_once = index.parts_within(float(x[0]), float(y[0]), float(reach[0]))
    part, offset_s = _first_arrivals(index, Legs.through(path.offsets_s, x, y, reach), at_once)
    return np.concatenate([at_once, part]), np.concatenate([np.zeros(at_once.size), offset_s])


def _first_arrivals(index: ZoneIndex, legs: Legs, at_once: Indices) -> tuple[Indices, Floats]:
    """(part, seconds after now) for each part some leg reaches, at each leg that may be the
    first to. Zones with a part in ``at_once`` are reached already and not looked for."""
    leg, part = index.parts_in_boxes(*legs.boxes())
    if not leg.size:
        return part, np.empty(0)
    if at_once.size:
        reached = np.zeros(len(index.zones), dtype=np.bool_)
        reached[index.part_zone[at_once]] = True
        pending = ~reached[index.part_zone[part]]
        leg, part = leg[pending], part[pending]
    # By leg: a part reached on a leg is not solved again on the next ones (first_entries).
    order = np.argsort(leg, kind="stable")
    leg, part = leg[order], part[order]
    entry = first_entries(
        legs, leg, part, index.circles, index.edges, index.edge_start, index.edge_count
    )
    reached = np.isfinite(entry)
    return part[reached], legs.table[leg[reached], START] + entry[reached]


def compile_now(index: ZoneIndex) -> None:
    """Compile the prediction's loops (numba) now rather than in the first prediction: about
    3 s the first time on a machine, half a second from numba's cache after that."""
    one = np.zeros(1, dtype=np.intp)
    first_entries(Legs(np.zeros((1, 8))), one, one, np.zeros((3, 1)), np.zeros((1, 6)), one, one)
    _earliest_offsets(one, np.zeros(1), 1)
    index.parts_within(0.0, 0.0, 0.0)


def _earliest(index: ZoneIndex, zone: Indices, offset_s: Floats) -> Arrivals:
    """One row per zone at its earliest offset, by offset then zone id."""
    earliest = _earliest_offsets(zone, offset_s, len(index.zones))
    reached = np.flatnonzero(earliest < np.inf)
    offset_s = earliest[reached]
    order = np.lexsort((index.id_rank[reached], offset_s))
    return Arrivals(reached[order], offset_s[order])


def _earliest_of_each(zone: Indices, offset_s: Floats, zones: int) -> Floats:
    """Each of ``zones`` zones' least offset (``inf`` for none), compiled below."""
    earliest = np.full(zones, np.inf)
    for i in range(zone.size):
        earliest[zone[i]] = min(earliest[zone[i]], offset_s[i])
    return earliest


_earliest_offsets = numba.njit(cache=True)(_earliest_of_each)

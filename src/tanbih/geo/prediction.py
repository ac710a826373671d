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

import numpy as np

from tanbih.domain.threat import Impact, Kinematics, ThreatClass, ZoneExposure
from tanbih.geo.arrival import Legs, lower_to_entries
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
    etas = map(now.__add__, map(timedelta, repeat(0), arrivals.offset_s.tolist()))
    return index.exposures(arrivals.zone, etas)


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
    # Each zone's earliest arrival so far, in seconds after now.
    earliest = np.full(len(index.zones), np.inf)
    if impact is not None:
        earliest[index.zones_within(impact.lat, impact.lon, impact.radius_m)] = impact_offset_s(
            kinematics, impact, now
        )
    if impact is None or threat_class not in BALLISTIC:
        model = UNCERTAINTY[threat_class] if uncertainty is None else uncertainty
        _corridor_arrivals(kinematics, model, index, earliest, horizon_s=horizon_s, now=now)
    reached = np.flatnonzero(earliest <= horizon_s)
    offset_s = earliest[reached]
    order = np.lexsort((index.id_rank[reached], offset_s))
    return Arrivals(reached[order], offset_s[order])


def _corridor_arrivals(
    kinematics: Kinematics,
    model: Uncertainty,
    index: ZoneIndex,
    earliest: Floats,
    *,
    horizon_s: float,
    now: datetime,
) -> None:
    """Lower ``earliest`` (per zone, seconds after now) to the corridor's first arrivals."""
    path = leg_samples(kinematics, model, horizon_s=horizon_s, now=now)
    x, y = index.plane.project_path(path.lat, path.lon)
    reach = index.plane.plane_metres(path.lat, path.radius_m + TOLERANCE_M)
    at_once = index.parts_within(float(x[0]), float(y[0]), float(reach[0]))
    # Within reach now: reached at once (no arrival is earlier), and not looked for again.
    earliest[index.part_zone[at_once]] = 0.0
    legs = Legs.through(path.offsets_s, x, y, reach)
    if not legs.table.shape[0]:
        return
    if at_once.size:
        reached = earliest[index.part_zone] == 0.0
    else:
        reached = np.zeros(index.part_zone.size, dtype=np.bool_)
    lower_to_entries(
        legs,
        index.boxes,
        index.circles,
        index.edges,
        index.edge_start,
        index.edge_count,
        index.part_zone,
        reached,
        earliest,
    )


def compile_now(index: ZoneIndex) -> None:
    """Compile the prediction's loops (numba) now rather than in the first prediction: about
    3 s the first time on a machine, half a second from numba's cache after that."""
    one = np.zeros(1, dtype=np.intp)
    legs = Legs.through(np.arange(2.0), np.zeros(2), np.zeros(2), np.zeros(2))
    lower_to_entries(
        legs,
        np.zeros((4, 1)),
        np.zeros((3, 1)),
        np.zeros((1, 6)),
        one,
        one,
        one,
        np.zeros(1, dtype=np.bool_),
        np.zeros(1),
    )
    index.parts_within(0.0, 0.0, 0.0)

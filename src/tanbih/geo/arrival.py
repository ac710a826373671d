"""When a growing disc, moving straight at constant speed, first comes near a polygon edge.

On the plane a predicted path is a polyline of :class:`Legs`. Along a leg the threat moves at
constant velocity and the corridor radius (the *reach*) grows linearly, so "the threat may be
within reach of this edge" starts at a time with a closed form: the smaller root of a quadratic
for the edge's end points, linear bounds for the band along the edge. It is solved in one loop
compiled by numba (:func:`first_entries`; :func:`lower_to_entries` finds a path's pairs and
solves them in the same pass), 20 to 25 ns per edge (the same arithmetic with numpy
over every (leg, edge) pair at once took 50 to 60, bound by the traffic of its temporaries),
where one shapely distance test on one zone costs about a microsecond and a search by bisection
needs five or more: that made paths across hundreds of zones cost several milliseconds. This is
plane geometry; geodesy stays with pyproj.

Times are seconds from the start of the leg; ``inf`` means not during the leg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Final

import numba
import numpy as np
import numpy.typing as npt

from tanbih.geo.plane import Floats
from tanbih.geo.zone_index import EDGE_X0, EDGE_Y0, EX, EY, INV_LENGTH, INV_SQUARED, Indices

Flags = npt.NDArray[np.bool_]
# Columns of Legs.table.
START, DURATION, X, Y, VX, VY, REACH, GROWTH = range(8)
_NEVER: Final = np.inf


@dataclass(frozen=True, slots=True)
class Legs:
    """Straight legs on the plane, one row each: start (s after now), duration (s), start point
    (x, y), velocity (vx, vy) and reach at the start (plane metres), and reach growth (m/s)."""

    table: Floats

    @classmethod
    def through(cls, offsets_s: Floats, x: Floats, y: Floats, reach: Floats) -> Legs:
        """The legs joining consecutive samples (time, plane point, reach) of a path."""
        return cls(_leg_table(offsets_s, x, y, reach))

    def boxes(self) -> tuple[Floats, Floats, Floats, Floats]:
        """Each leg's bounding box grown by its reach at the end (xmin, ymin, xmax, ymax)."""
        xmin, ymin, xmax, ymax = _leg_boxes(self.table)
        return xmin, ymin, xmax, ymax


def first_entries(
    legs: Legs,
    leg: Indices,
    part: Indices,
    circles: Floats,
    edges: Floats,
    first_edge: Indices,
    count: Indices,
    reached: Flags | None = None,
) -> Floats:
    """For each (``leg[i]``, ``part[i]``) pair, the first time during the leg that the reach
    touches one of the part's edges (rows ``first_edge[p]`` to ``first_edge[p] + count[p]`` of
    the zone index's edge table), or ``inf``.

    Also ``inf``, without looking at the edges, for a part ``reached`` already (a flag per
    part), for a part some earlier leg reached (that leg's time comes first), and for a part
    whose circle (rows x, y, radius of ``circles``) the reach does not meet during the leg or
    had covered whole when it started: that leg cannot be the first to reach what lies inside.
    The reach of an edge is its start's disc, its end's disc and the band between them; every
    end point of a closed ring is also some edge's start, so each edge checks its start's disc.
    """
    known = np.zeros(first_edge.size, dtype=np.bool_) if reached is None else reached.copy()
    if not leg.size or (leg[1:] >= leg[:-1]).all():
        entries: Floats = _first_entries(
            legs.table, leg, part, circles, edges, first_edge, count, known
        )
        return entries
    # The loop takes the pairs by leg (an R-tree query gives them so).
    order = np.argsort(leg, kind="stable")
    entries = np.empty(leg.size)
    entries[order] = _first_entries(
        legs.table, leg[order], part[order], circles, edges, first_edge, count, known
    )
    return entries


def lower_to_entries(
    legs: Legs,
    boxes: Floats,
    circles: Floats,
    edges: Floats,
    first_edge: Indices,
    count: Indices,
    part_zone: Indices,
    reached: Flags,
    earliest: Floats,
) -> None:
    """Lower ``earliest`` (seconds after now, per zone) to the first time the legs reach each
    part (its zone ``part_zone[p]``), in one compiled pass: the (leg, part) pairs whose
    bounding boxes meet (each leg's grown by its reach at the end, as :meth:`Legs.boxes`;
    the parts' as rows xmin, ymin, xmax, ymax of ``boxes``), each solved as
    :func:`first_entries` solves it, with ``reached`` (a flag per part, updated) as there.

    The same times as an R-tree query of the legs' boxes, :func:`first_entries` and a minimum
    per zone, without a shapely box per leg or an array per step.
    """
    _corridor(legs.table, boxes, circles, edges, first_edge, count, part_zone, reached, earliest)


def _leg_rows(offsets_s: Floats, x: Floats, y: Floats, reach: Floats) -> Floats:
    """:meth:`Legs.through`, compiled below."""
    table = np.empty((offsets_s.size - 1, 8))
    for i in range(offsets_s.size - 1):
        duration = offsets_s[i + 1] - offsets_s[i]
        table[i, START], table[i, DURATION] = offsets_s[i], duration
        table[i, X], table[i, VX] = x[i], (x[i + 1] - x[i]) / duration
        table[i, Y], table[i, VY] = y[i], (y[i + 1] - y[i]) / duration
        table[i, REACH], table[i, GROWTH] = reach[i], (reach[i + 1] - reach[i]) / duration
    return table


def _leg_box_rows(table: Floats) -> Floats:
    """:meth:`Legs.boxes` as rows xmin, ymin, xmax, ymax, compiled below."""
    boxes = np.empty((4, table.shape[0]))
    for i in range(table.shape[0]):
        row = table[i]
        x1, y1 = row[X] + row[VX] * row[DURATION], row[Y] + row[VY] * row[DURATION]
        far = row[REACH] + row[GROWTH] * row[DURATION]
        boxes[0, i], boxes[2, i] = min(row[X], x1) - far, max(row[X], x1) + far
        boxes[1, i], boxes[3, i] = min(row[Y], y1) - far, max(row[Y], y1) + far
    return boxes


def _minimum(a: float, b: float) -> float:
    """``np.minimum`` of two numbers: NaN if either is."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return min(a, b)


def _maximum(a: float, b: float) -> float:
    """``np.maximum`` of two numbers: NaN if either is."""
    if math.isnan(a) or math.isnan(b):
        return math.nan
    return max(a, b)


def _disc_entered(wx: float, wy: float, ux: float, uy: float, reach: float, growth: float) -> float:
    """First t >= 0 with |w + u·t| <= reach + growth·t, where w is the start minus the centre.

    Squared: a·t² + 2b·t + c <= 0, with a >= 0 as growth is below speed. Its smaller root,
    written c / (√(b² − ac) − b) to keep precision, is the answer when it is real and the disc
    closes in (b < 0); it is at most 0 when the disc already holds the centre (c <= 0).
    """
    a = ux * ux + uy * uy - growth * growth
    b = wx * ux + wy * uy - reach * growth
    c = wx * wx + wy * wy - reach * reach
    discriminant = b * b - a * c
    if discriminant >= 0 and (b < 0 or c <= 0):
        root = c / (math.sqrt(discriminant) - b)
        # On the circle of a still threat the root is 0/0.
        return 0.0 if math.isnan(root) or root < 0.0 else root
    return _NEVER


def _first_entries_loop(
    table: Floats,
    leg: Indices,
    part: Indices,
    circles: Floats,
    edges: Floats,
    first_edge: Indices,
    count: Indices,
    reached: Flags,
) -> Floats:
    """:func:`first_entries`, compiled below: one pass over each pair's edges; ``reached`` is
    updated."""
    entries = np.full(leg.size, _NEVER)
    for i in range(leg.size):
        p = part[i]
        if reached[p]:
            continue
        best = _pair_entry(table[leg[i]], p, circles, edges, first_edge, count)
        entries[i] = best
        reached[p] = best < _NEVER
    return entries


def _corridor_loop(
    table: Floats,
    boxes: Floats,
    circles: Floats,
    edges: Floats,
    first_edge: Indices,
    count: Indices,
    part_zone: Indices,
    reached: Flags,
    earliest: Floats,
) -> None:
    """:func:`lower_to_entries`, compiled below: the parts whose box (rows xmin, ymin, xmax,
    ymax of ``boxes``) meets the legs' boxes at all are found first, then each leg in turn
    meets those, and each pair whose boxes meet is solved as :func:`first_entries` solves it."""
    leg_boxes = _leg_boxes(table)
    xmin, ymin = leg_boxes[0].min(), leg_boxes[1].min()
    xmax, ymax = leg_boxes[2].max(), leg_boxes[3].max()
    near = np.empty(count.size, dtype=np.intp)
    n = 0
    for p in range(count.size):
        if _meets(boxes, p, xmin, ymin, xmax, ymax):
            near[n] = p
            n += 1
    # Their boxes side by side: each leg scans them in order.
    near_boxes = np.empty((4, n))
    for k in range(n):
        for side in range(4):
            near_boxes[side, k] = boxes[side, near[k]]
    for i in range(table.shape[0]):
        x0, y0, x1, y1 = leg_boxes[0, i], leg_boxes[1, i], leg_boxes[2, i], leg_boxes[3, i]
        for k in range(n):
            if not _meets(near_boxes, k, x0, y0, x1, y1) or reached[near[k]]:
                continue
            p = near[k]
            best = _pair_entry(table[i], p, circles, edges, first_edge, count)
            reached[p] = best < _NEVER
            if best < _NEVER:
                z = part_zone[p]
                earliest[z] = min(earliest[z], table[i, START] + best)


def _box_meets(boxes: Floats, p: int, xmin: float, ymin: float, xmax: float, ymax: float) -> bool:
    """Whether box ``p`` of ``boxes`` meets the box (xmin, ymin, xmax, ymax), edges included,
    as an R-tree's envelopes do; never for a NaN."""
    return bool(
        boxes[0, p] <= xmax and boxes[2, p] >= xmin and boxes[1, p] <= ymax and boxes[3, p] >= ymin
    )


def _pair_entry_of(
    row: Floats, p: int, circles: Floats, edges: Floats, first_edge: Indices, count: Indices
) -> float:
    """When the leg ``row`` first reaches part ``p`` (seconds after its start), or ``inf``:
    also when the part's circle rules it out (see :func:`first_entries`)."""
    duration, x, y = row[DURATION], row[X], row[Y]
    ux, uy, reach, growth = row[VX], row[VY], row[REACH], row[GROWTH]
    wx, wy, radius = x - circles[0, p], y - circles[1, p], circles[2, p]
    if math.hypot(wx, wy) + radius <= reach:
        return _NEVER  # covered whole at the start of the leg
    if not _disc_entry(wx, wy, ux, uy, reach + radius, growth) <= duration:
        return _NEVER
    best = _NEVER
    for e in range(first_edge[p], first_edge[p] + count[p]):
        wx, wy = x - edges[e, EDGE_X0], y - edges[e, EDGE_Y0]
        ex, ey = edges[e, EX], edges[e, EY]
        vertex = _disc_entry(wx, wy, ux, uy, reach, growth)
        if not vertex <= duration:
            vertex = _NEVER
        # Distance from the edge's line, signed, and position along the edge (0 to 1) at time
        # t: h0 + h1·t and l0 + l1·t. The band holds while |h| <= reach + growth·t and
        # 0 <= l <= 1.
        h0 = (ex * wy - ey * wx) * edges[e, INV_LENGTH]
        h1 = (ex * uy - ey * ux) * edges[e, INV_LENGTH]
        l0 = (ex * wx + ey * wy) * edges[e, INV_SQUARED]
        l1 = (ex * ux + ey * uy) * edges[e, INV_SQUARED]
        # The gap between the line and the reach closes at ``closing`` per second (opens if
        # < 0). Once in, the band is left on the near side if the gap opens again, or on the
        # far side when the threat crosses the line faster than the reach grows.
        gap = abs(h0) - reach
        closing = growth - math.copysign(1.0, h0) * h1
        crossing = closing - 2 * growth
        ratio = gap / closing
        enter = 0.0 if gap <= 0 else (ratio if closing > 0 else _NEVER)
        near = ratio if closing < 0 else _NEVER
        far = (gap + 2 * reach) / crossing if crossing > 0 else _NEVER
        # 0 <= l0 + l1·t <= 1; with l1 = 0 the bounds are both -inf, both inf, or -inf and inf
        # (or NaN, which no comparison passes).
        first, second = -l0 / l1, (1.0 - l0) / l1
        early = _nan_max(_nan_max(enter, _nan_min(first, second)), 0.0)
        late = _nan_min(_nan_min(_nan_min(near, far), _nan_max(first, second)), duration)
        band = early if early <= late else _NEVER
        best = min(best, _nan_min(vertex, band))
    return best


# Compiled on first use and cached beside this module; numpy's semantics for division by zero.
_jit = numba.njit(cache=True, error_model="numpy")
_nan_min = _jit(_minimum)
_nan_max = _jit(_maximum)
_disc_entry = _jit(_disc_entered)
_pair_entry = _jit(_pair_entry_of)
_meets = _jit(_box_meets)
_leg_table = _jit(_leg_rows)
_leg_boxes = _jit(_leg_box_rows)
_first_entries = _jit(_first_entries_loop)
_corridor = _jit(_corridor_loop)

"""When a growing disc, moving straight at constant speed, first comes near a polygon edge.

On the plane a predicted path is a polyline of :class:`Legs`. Along a leg the threat moves at
constant velocity and the corridor radius (the *reach*) grows linearly, so "the threat may be
within reach of this edge" starts at a time with a closed form: the smaller root of a quadratic
for the edge's end points, linear bounds for the band along the edge. It is computed with numpy
over every (leg, edge) pair at once, 30 to 60 ns per edge, where one shapely distance test on
one zone costs about a microsecond and a search by bisection needs five or more: that made paths
across hundreds of zones cost several milliseconds. This is plane geometry; geodesy stays with
pyproj.

Times are seconds from the start of the leg; ``inf`` means not during the leg.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from tanbih.geo.plane import Floats
from tanbih.geo.zone_index import EDGE_X0, EDGE_Y0, EX, EY, INV_LENGTH, INV_SQUARED, Indices

# Columns of Legs.table.
START, DURATION, X, Y, VX, VY, REACH, GROWTH = range(8)
_NEVER: Final = np.inf
Flags = npt.NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Legs:
    """Straight legs on the plane, one row each: start (s after now), duration (s), start point
    (x, y), velocity (vx, vy) and reach at the start (plane metres), and reach growth (m/s)."""

    table: Floats

    @classmethod
    def through(cls, offsets_s: Floats, x: Floats, y: Floats, reach: Floats) -> Legs:
        """The legs joining consecutive samples (time, plane point, reach) of a path."""
        table = np.empty((offsets_s.size - 1, 8))
        table[:, START], table[:, DURATION] = offsets_s[:-1], np.diff(offsets_s)
        for at, rate, samples in ((X, VX, x), (Y, VY, y), (REACH, GROWTH, reach)):
            table[:, at] = samples[:-1]
            table[:, rate] = np.diff(samples) / table[:, DURATION]
        return cls(table)

    def boxes(self) -> tuple[Floats, Floats, Floats, Floats]:
        """Each leg's bounding box grown by its reach at the end (xmin, ymin, xmax, ymax)."""
        t = self.table.T
        x1, y1 = t[X] + t[VX] * t[DURATION], t[Y] + t[VY] * t[DURATION]
        far = t[REACH] + t[GROWTH] * t[DURATION]
        xmin, xmax = np.minimum(t[X], x1), np.maximum(t[X], x1)
        ymin, ymax = np.minimum(t[Y], y1), np.maximum(t[Y], y1)
        return xmin - far, ymin - far, xmax + far, ymax + far


def circle_touched(legs: Legs, leg: Indices, circles: Floats) -> Flags:
    """Whether the reach meets each circle (rows x, y, radius) during its leg, having not yet
    covered it whole when the leg starts: only then can the leg be the first to reach what
    lies inside the circle."""
    t = np.take(legs.table, leg, axis=0).T
    wx, wy, radius = t[X] - circles[0], t[Y] - circles[1], circles[2]
    entry = _disc_entry(wx, wy, t[VX], t[VY], t[REACH] + radius, t[GROWTH])
    covered = np.hypot(wx, wy) + radius <= t[REACH]
    touched: Flags = (entry <= t[DURATION]) & ~covered
    return touched


def edge_entry(legs: Legs, leg: Indices, count: Indices, edges: Floats) -> Floats:
    """First time during leg ``leg[i]`` that the reach touches each of the ``count[i]`` edges
    (rows of the zone index's edge table) that follow, or ``inf``.

    The reach of an edge is its start's disc, its end's disc and the band between them; every
    end point of a closed ring is also some edge's start, so each edge checks its start's disc.
    """
    # Gathered per leg then repeated, and laid out one row per quantity: contiguous rows make
    # the arithmetic below a quarter faster than rows of the tables would.
    t = np.repeat(np.take(legs.table, leg, axis=0).T, count, axis=1)
    ux, uy, reach, growth, duration = t[VX], t[VY], t[REACH], t[GROWTH], t[DURATION]
    e = np.ascontiguousarray(edges.T)
    wx, wy, ex, ey = t[X] - e[EDGE_X0], t[Y] - e[EDGE_Y0], e[EX], e[EY]
    vertex = _disc_entry(wx, wy, ux, uy, reach, growth)
    with np.errstate(divide="ignore", invalid="ignore"):
        # Distance from the edge's line, signed, and position along the edge (0 to 1) at time
        # t: h0 + h1·t and l0 + l1·t. The band holds while |h| <= reach + growth·t, 0 <= l <= 1.
        h0 = (ex * wy - ey * wx) * e[INV_LENGTH]
        h1 = (ex * uy - ey * ux) * e[INV_LENGTH]
        l0 = (ex * wx + ey * wy) * e[INV_SQUARED]
        l1 = (ex * ux + ey * uy) * e[INV_SQUARED]
        # The gap between the line and the reach closes at ``closing`` per second (opens if
        # < 0). Once in, the band is left on the near side if the gap opens again, or on the
        # far side when the threat crosses the line faster than the reach grows.
        gap = np.abs(h0) - reach
        closing = growth - np.copysign(1.0, h0) * h1
        crossing = closing - 2 * growth
        ratio = gap / closing
        enter = np.where(gap <= 0, 0.0, np.where(closing > 0, ratio, _NEVER))
        near = np.where(closing < 0, ratio, _NEVER)
        far = np.where(crossing > 0, (gap + 2 * reach) / crossing, _NEVER)
        # 0 <= l0 + l1·t <= 1; with l1 = 0 the bounds are both -inf, both inf, or -inf and inf.
        first, second = -l0 / l1, (1.0 - l0) / l1
    early = np.maximum(np.maximum(enter, np.minimum(first, second)), 0.0)
    late = np.minimum(np.minimum(np.minimum(near, far), np.maximum(first, second)), duration)
    band = np.where(early <= late, early, _NEVER)
    return np.minimum(np.where(vertex <= duration, vertex, _NEVER), band)


def _disc_entry(
    wx: Floats, wy: Floats, ux: Floats, uy: Floats, reach: Floats, growth: Floats
) -> Floats:
    """First t >= 0 with |w + u·t| <= reach + growth·t, where w is the start minus the centre.

    Squared: a·t² + 2b·t + c <= 0, with a >= 0 as growth is below speed. Its smaller root,
    written c / (√(b² − ac) − b) to keep precision, is the answer when it is real and the disc
    closes in (b < 0); it is at most 0 when the disc already holds the centre (c <= 0).
    """
    a = ux * ux + uy * uy - growth * growth
    b = wx * ux + wy * uy - reach * growth
    c = wx * wx + wy * wy - reach * reach
    discriminant = b * b - a * c
    with np.errstate(divide="ignore", invalid="ignore"):
        root = c / (np.sqrt(discriminant) - b)
    # fmax, not maximum: on the circle of a still threat the root is 0/0.
    return np.where((discriminant >= 0) & ((b < 0) | (c <= 0)), np.fmax(root, 0.0), _NEVER)

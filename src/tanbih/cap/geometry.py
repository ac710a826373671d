"""Is a CAP polygon a proper ring: enough corners, and no edge crossing or touching another?

Small rings are checked in plain Python, where building a shapely geometry would cost more
than the few segment pairs. Larger rings (a zone outline has ~40 points) go to GEOS through
shapely 2, one ring per call (``linearrings`` with ``indices`` to batch them costs more than it
saves for the few rings of a message); ``LinearRing.is_simple`` is the reference the plain
check agrees with (a property test pins that). The plane is (lon, lat) as given: a
polygon crossing the antimeridian must be split by its sender.
"""

from __future__ import annotations

from collections.abc import Sequence

import shapely

from tanbih.domain.cap import Point

# Up to this many segments the O(n²) pair check beats shapely's per-call overhead.
PLAIN_LIMIT = 6

FEW_CORNERS = "polygon has fewer than 3 distinct corners (it encloses no area)"
CROSSES_ITSELF = "polygon crosses or touches itself (self-intersecting ring)"

Coord = tuple[float, float]


def ring_problem(points: Sequence[Point]) -> str | None:
    """Why a closed ring of in-range points is no simple polygon, or ``None`` if it is one."""
    raw: list[Coord] = [(point.lon, point.lat) for point in points]
    # Repeated consecutive points are harmless; drop them.
    coords = [c for c, before in zip(raw, [None, *raw[:-1]], strict=True) if c != before]
    if len(coords) < 4:
        return FEW_CORNERS
    if len(coords) <= PLAIN_LIMIT + 1:
        simple = plain_ring_is_simple(coords)
    else:
        simple = bool(shapely.is_simple(shapely.linearrings(coords)))
    return None if simple else CROSSES_ITSELF


def plain_ring_is_simple(coords: Sequence[Coord]) -> bool:
    """Whether a closed ring without repeated consecutive points has no self-intersection."""
    last = len(coords) - 2  # index of the last segment; segment k runs coords[k] -> coords[k+1]
    for i in range(last + 1):
        a, b = coords[i], coords[i + 1]
        for j in range(i + 1, last + 1):
            c, d = coords[j], coords[j + 1]
            if j == i + 1:
                if _folds_back(a, b, d):
                    return False
            elif i == 0 and j == last:
                if _folds_back(c, a, b):
                    return False
            elif _segments_meet(a, b, c, d):
                return False
    return True


def _cross(o: Coord, p: Coord, q: Coord) -> float:
    return (p[0] - o[0]) * (q[1] - o[1]) - (p[1] - o[1]) * (q[0] - o[0])


def _folds_back(p: Coord, q: Coord, r: Coord) -> bool:
    """Adjacent edges p→q→r overlap: r lies back along the line through p and q."""
    if _cross(p, q, r) != 0:
        return False
    return (q[0] - p[0]) * (r[0] - q[0]) + (q[1] - p[1]) * (r[1] - q[1]) < 0


def _within_box(p: Coord, q: Coord, r: Coord) -> bool:
    """``r`` lies within the bounding box of segment p-q (so, if collinear, on it)."""
    return min(p[0], q[0]) <= r[0] <= max(p[0], q[0]) and min(p[1], q[1]) <= r[1] <= max(p[1], q[1])


def _segments_meet(a: Coord, b: Coord, c: Coord, d: Coord) -> bool:
    """Closed segments a-b and c-d share at least one point."""
    if (
        max(a[0], b[0]) < min(c[0], d[0])
        or max(c[0], d[0]) < min(a[0], b[0])
        or max(a[1], b[1]) < min(c[1], d[1])
        or max(c[1], d[1]) < min(a[1], b[1])
    ):
        return False
    d1 = _cross(c, d, a)
    d2 = _cross(c, d, b)
    d3 = _cross(a, b, c)
    d4 = _cross(a, b, d)
    if ((d1 > 0 > d2) or (d1 < 0 < d2)) and ((d3 > 0 > d4) or (d3 < 0 < d4)):
        return True
    return (
        (d1 == 0 and _within_box(c, d, a))
        or (d2 == 0 and _within_box(c, d, b))
        or (d3 == 0 and _within_box(a, b, c))
        or (d4 == 0 and _within_box(a, b, d))
    )

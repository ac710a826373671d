"""All partners' zones on one plane, as tables of parts, for distance queries from paths and points.

The index is built once per coalition. Each zone becomes a shapely polygon (outer ring and holes)
on the :class:`~tanbih.geo.plane.RegionalPlane`:

- Zone edges are straight in (lon, lat), as in GeoJSON, so long edges are cut to at most 0.1°
  before projecting: the plane bends them by a metre or two at most.
- Outlines are simplified to within :data:`TOLERANCE_M` (Douglas-Peucker, keeping them valid):
  it halves the edges that arrival times are computed over. Every distance asked of the index
  must then be taken :data:`TOLERANCE_M` longer, so that nothing within it is missed.
- A zone of many vertices (a country) is cut into *parts* of at most :data:`MAX_PART_VERTICES`,
  as PostGIS's ``ST_Subdivide`` does: small parts have tight bounding boxes and few edges.

Queries answer in parts; :attr:`ZoneIndex.part_zone` maps a part to its zone's position. Each
part's bounding box, bounding circle and edges are kept as arrays for the compiled loops that
search them (:meth:`ZoneIndex.parts_within`, :func:`tanbih.geo.arrival.lower_to_entries`): a
few dozen boxes tested against 1,600 parts in a loop cost less than shapely's R-tree query.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Final

import numba
import numpy as np
import numpy.typing as npt
import shapely

from tanbih.domain.coalition import Zone
from tanbih.domain.threat import ZoneExposure
from tanbih.geo.plane import Floats, RegionalPlane

Indices = npt.NDArray[np.intp]
Objects = npt.NDArray[np.object_]

MAX_EDGE_DEG: Final = 0.1
TOLERANCE_M: Final = 5.0
MAX_PART_VERTICES: Final = 64
# Columns of the edge table: start point, vector to the end point, 1/length and 1/length².
EDGE_X0, EDGE_Y0, EX, EY, INV_LENGTH, INV_SQUARED = range(6)
_POLYGON: Final = 3


class ZoneIndex:
    """The zones of a coalition, indexed for "which zones lie within this distance" queries."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        """Project, simplify, cut and index ``zones``: about a quarter second for the demo's."""
        if not zones:
            raise ValueError("a zone index needs at least one zone")
        self.zones: tuple[Zone, ...] = tuple(zones)
        # Exposures with the same ETA are listed by zone id.
        self.id_rank: Indices = np.argsort(np.argsort([zone.id for zone in self.zones]))
        # What each exposure names, as columns: taken for many zones at once.
        self.zone_ids: Objects = np.array([zone.id for zone in self.zones], dtype=object)
        self.zone_partners: Objects = np.array(
            [zone.partner_id for zone in self.zones], dtype=object
        )
        self.zone_shelter_seconds: Objects = np.array(
            [zone.shelter_seconds for zone in self.zones], dtype=object
        )
        outlines = shapely.segmentize(
            np.array([_lonlat_polygon(zone) for zone in self.zones]), MAX_EDGE_DEG
        )
        west, _, east, _ = shapely.total_bounds(outlines)
        self.plane = RegionalPlane.around(float(west), float(east))
        tolerance = self.plane.plane_metres(
            shapely.get_y(shapely.centroid(outlines)), np.full(outlines.size, TOLERANCE_M)
        )
        lonlat = shapely.get_coordinates(outlines)
        x, y = self.plane.project(lonlat[:, 1], lonlat[:, 0])
        planar = shapely.simplify(
            shapely.set_coordinates(outlines, np.column_stack([x, y])), tolerance
        )
        pieces = [_subdivide(outline) for outline in planar]
        self.parts = np.array([part for parts in pieces for part in parts], dtype=object)
        self.part_zone: Indices = np.repeat(np.arange(len(pieces)), [len(p) for p in pieces])
        # A circle around each part (rows x, y, radius) rules most (leg, part) pairs out before any
        # edge is looked at; a metre over the smallest radius, against rounding in its centre.
        centres = shapely.centroid(shapely.minimum_bounding_circle(self.parts))
        self.circles: Floats = np.stack(
            [
                shapely.get_x(centres),
                shapely.get_y(centres),
                shapely.minimum_bounding_radius(self.parts) + 1.0,
            ]
        )
        # Every part's edges, as rows of one table: edge_count[p] rows from edge_start[p].
        self.edges, self.edge_start, self.edge_count = _edge_table(self.parts)
        # Each part's bounding box, rows xmin, ymin, xmax, ymax.
        self.boxes: Floats = np.ascontiguousarray(shapely.bounds(self.parts).T)

    def parts_within(self, x: float, y: float, reach: float) -> Indices:
        """The parts within ``reach`` plane metres of the plane point (x, y), or containing it.

        Shapely's R-tree answers the same (``dwithin``), but creating the point and querying
        cost ten times what one compiled pass over the parts' boxes and edges does.
        """
        found: Indices = _parts_within(
            x, y, reach, self.boxes, self.edges, self.edge_start, self.edge_count
        )
        return found

    def exposures(self, zone: Indices, etas: Iterable[datetime]) -> tuple[ZoneExposure, ...]:
        """The zones at positions ``zone`` exposed at ``etas``, as domain values.

        Built by map over whole columns, not per zone in a generator.
        """
        return tuple(
            map(
                ZoneExposure,
                self.zone_ids[zone].tolist(),
                self.zone_partners[zone].tolist(),
                etas,
                self.zone_shelter_seconds[zone].tolist(),
            )
        )

    def zones_within(self, lat: float, lon: float, radius_m: float) -> Indices:
        """Positions in :attr:`zones` of the zones within ``radius_m`` metres of (lat, lon)."""
        lats = np.array([lat])
        x, y = self.plane.project(lats, np.array([lon]))
        reach = self.plane.plane_metres(lats, np.array([radius_m + TOLERANCE_M]))
        return np.unique(self.part_zone[self.parts_within(x[0], y[0], reach[0])])


def _parts_within_loop(
    x: float,
    y: float,
    reach: float,
    boxes: Floats,
    edges: Floats,
    first_edge: Indices,
    count: Indices,
) -> Indices:
    """:meth:`ZoneIndex.parts_within`, compiled below: each part whose box the reach meets,
    then its edges, for one within reach or a ray from the point crossing them an odd number
    of times (inside; holes are rings of edges too)."""
    found = np.empty(count.size, dtype=np.intp)
    n = 0
    for p in range(count.size):
        if x < boxes[0, p] - reach or x > boxes[2, p] + reach:
            continue
        if y < boxes[1, p] - reach or y > boxes[3, p] + reach:
            continue
        inside, near = False, False
        for e in range(first_edge[p], first_edge[p] + count[p]):
            x0, y0, ex, ey = edges[e, EDGE_X0], edges[e, EDGE_Y0], edges[e, EX], edges[e, EY]
            along = min(max(((x - x0) * ex + (y - y0) * ey) * edges[e, INV_SQUARED], 0.0), 1.0)
            dx, dy = x0 + along * ex - x, y0 + along * ey - y
            if dx * dx + dy * dy <= reach * reach:
                near = True
                break
            if (y0 > y) != (y0 + ey > y) and x < x0 + (y - y0) / ey * ex:
                inside = not inside
        if near or inside:
            found[n] = p
            n += 1
    return found[:n]


_parts_within = numba.njit(cache=True)(_parts_within_loop)


def _lonlat_polygon(zone: Zone) -> shapely.Polygon:
    rings = [[(lon, lat) for lat, lon in ring] for ring in zone.rings]
    return shapely.Polygon(rings[0], rings[1:])


def _subdivide(polygon: shapely.Polygon) -> list[shapely.Polygon]:
    """``polygon`` in parts of at most MAX_PART_VERTICES vertices, halving boxes until they fit."""
    if shapely.get_num_coordinates(polygon) <= MAX_PART_VERTICES:
        return [polygon]
    xmin, ymin, xmax, ymax = polygon.bounds
    if xmax - xmin >= ymax - ymin:
        middle = (xmin + xmax) / 2
        halves = [shapely.box(xmin, ymin, middle, ymax), shapely.box(middle, ymin, xmax, ymax)]
    else:
        middle = (ymin + ymax) / 2
        halves = [shapely.box(xmin, ymin, xmax, middle), shapely.box(xmin, middle, xmax, ymax)]
    pieces = shapely.get_parts(shapely.intersection(polygon, np.array(halves)))
    polygons = pieces[shapely.get_type_id(pieces) == _POLYGON]
    return [part for piece in polygons for part in _subdivide(piece)]


def _edge_table(parts: npt.NDArray[np.object_]) -> tuple[Floats, Indices, Indices]:
    """Every ring edge of every part as a row (x0, y0, ex, ey, 1/length, 1/length²), grouped
    by part, with each part's first row and count."""
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    xy, point_ring = shapely.get_coordinates(rings, return_index=True)
    vector = np.diff(xy, axis=0)
    squared = np.einsum("ij,ij->i", vector, vector)
    # Consecutive points of one ring, not repeated: a repeated point adds no edge.
    kept = (point_ring[1:] == point_ring[:-1]) & (squared > 0)
    edges = np.column_stack(
        [xy[:-1][kept], vector[kept], 1 / np.sqrt(squared[kept]), 1 / squared[kept]]
    )
    bounds = np.searchsorted(ring_part[point_ring[:-1][kept]], np.arange(parts.size + 1))
    return edges, bounds[:-1], np.diff(bounds)

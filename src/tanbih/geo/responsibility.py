"""Where a threat stands to each partner's areas of responsibility: on its path, or how far.

The geometry behind responder ranking (:func:`tanbih.domain.response.rank_responders` decides;
this module measures). Areas are projected once onto a :class:`~tanbih.geo.plane.RegionalPlane`
and indexed; a threat's predicted path (a line through its dead-reckoned points) or, for a
ballistic threat with a reported impact, its impact area (a disc of the impact's uncertainty)
is projected the same way. A partner's area is *on the path* when it intersects that line or
disc; its distance is the shortest from any of its areas, converted back to true kilometres
with Mercator's scale at the threat's latitude (within about 1 % up to a few hundred km).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import shapely

from tanbih.domain.agreement import AreaOfResponsibility, Ring
from tanbih.domain.response import Reach
from tanbih.domain.threat import Impact
from tanbih.geo.plane import RegionalPlane


class ResponsibilityMap:
    """Every area of responsibility of an agreement on one plane, for reach queries."""

    def __init__(self, areas: Sequence[AreaOfResponsibility]) -> None:
        """Project and index ``areas`` (each polygon with its holes)."""
        rings = [
            (area.partner_id, polygon) for area in areas for polygon in area.polygons if polygon
        ]
        self._partners = np.array([partner for partner, _ in rings], dtype=object)
        lons = [lon for _, polygon in rings for _, lon in polygon[0]] or [0.0]
        self._plane = RegionalPlane.around(min(lons), max(lons))
        self._shapes = np.array(
            [self._planar_polygon(polygon) for _, polygon in rings], dtype=object
        )

    def reach_of_path(self, points: Sequence[tuple[float, float]]) -> dict[str, Reach]:
        """Each partner's reach to a predicted path through ``(lat, lon)`` points, in order."""
        if not points:
            raise ValueError("a path has at least one point")
        lat = np.array([p[0] for p in points])
        x, y = self._plane.project_path(lat, np.array([p[1] for p in points]))
        coords = np.column_stack([x, y])
        line = shapely.Point(coords[0]) if len(points) == 1 else shapely.LineString(coords)
        return self._reach(line, float(lat[0]))

    def reach_of_impact(self, impact: Impact) -> dict[str, Reach]:
        """Each partner's reach to the disc around a predicted impact point."""
        x, y = self._plane.project(np.array([impact.lat]), np.array([impact.lon]))
        radius = self._plane.plane_metres(np.array([impact.lat]), np.array([impact.radius_m]))
        disc = shapely.Point(float(x[0]), float(y[0])).buffer(max(float(radius[0]), 1.0))
        return self._reach(disc, impact.lat)

    def _reach(self, shape: shapely.Geometry, lat: float) -> dict[str, Reach]:
        """The nearest area of each partner to ``shape``, in true km at latitude ``lat``."""
        if not self._shapes.size:
            return {}
        distances = shapely.distance(self._shapes, shape)
        metres_per_plane_metre = 1.0 / float(
            self._plane.plane_metres(np.array([lat]), np.array([1.0]))[0]
        )
        reach: dict[str, Reach] = {}
        for partner, plane_m in zip(self._partners, distances, strict=True):
            km = float(plane_m) * metres_per_plane_metre / 1000.0
            known = reach.get(partner)
            if known is None or km < known.distance_km:
                reach[str(partner)] = Reach(on_path=km == 0.0, distance_km=km)
        return reach

    def _planar_polygon(self, polygon: tuple[Ring, ...]) -> shapely.Polygon:
        planar = []
        for ring in polygon:
            lat = np.array([point[0] for point in ring])
            x, y = self._plane.project(lat, np.array([point[1] for point in ring]))
            planar.append(np.column_stack([x, y]))
        return shapely.Polygon(planar[0], holes=planar[1:] or None)

"""Which partners an alert's areas touch: the owners of the zones its polygons and circles cover.

Coarse attribution for routing, not a warning decision: geometry stays in longitude/latitude
degrees, and a circle's radius becomes degrees at its centre's latitude.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
import shapely.affinity

from tanbih.domain.cap import Alert, Area
from tanbih.domain.coalition import Zone
from tanbih.domain.routing import ZONE_GEOCODE

_KM_PER_DEGREE = 111.32


class AreaOwners:
    """An index of every zone's outline, built once, answering which partners areas touch."""

    def __init__(self, zones: Sequence[Zone]) -> None:
        self._owners = np.array([zone.partner_id for zone in zones], dtype=object)
        outlines = [shapely.Polygon([(lon, lat) for lat, lon in zone.rings[0]]) for zone in zones]
        self._tree = shapely.STRtree(outlines)

    def partners(self, alert: Alert) -> frozenset[str]:
        """The ids of partners owning a zone that an area of ``alert`` intersects.

        Areas that name their zone (a ``tanbih:zone`` geocode) are skipped: routing reads
        their owner from the coalition, without geometry.
        """
        shapes = [
            shape
            for info in alert.infos
            for area in info.areas
            if not any(code.value_name == ZONE_GEOCODE for code in area.geocodes)
            for shape in _shapes(area)
        ]
        if not shapes:
            return frozenset()
        _, hits = self._tree.query(shapes, predicate="intersects")
        return frozenset(str(owner) for owner in self._owners[np.unique(hits)])


def _shapes(area: Area) -> list[shapely.Geometry]:
    shapes: list[shapely.Geometry] = [
        shapely.Polygon([(p.lon, p.lat) for p in polygon.points]) for polygon in area.polygons
    ]
    for circle in area.circles:
        centre = circle.center
        degrees = circle.radius_km / _KM_PER_DEGREE
        stretch = 1 / max(math.cos(math.radians(centre.lat)), 0.01)
        disc = shapely.Point(centre.lon, centre.lat).buffer(max(degrees, 1e-6))
        shapes.append(shapely.affinity.scale(disc, xfact=stretch, yfact=1.0))
    return [shapely.make_valid(shape) for shape in shapes]

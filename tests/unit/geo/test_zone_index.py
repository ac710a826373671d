"""The zone index finds exactly the zones within a distance, holes and big zones included."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from tests.unit.geo.samples import box_zone, distance, point_at, square_at

from tanbih.domain.coalition import Zone
from tanbih.geo import ZoneIndex
from tanbih.geo.zone_index import MAX_PART_VERTICES

CENTRE = (31.0, 35.0)


def nearest_metres(zone: Zone, lat: float, lon: float) -> float:
    """Geodesic distance from (lat, lon) to the zone's outline, densified to about 10 m."""
    outline = shapely.segmentize(shapely.LinearRing([(x, y) for y, x in zone.rings[0]]), 1e-4)
    lons, lats = shapely.get_coordinates(outline).T
    return min(distance(lat, lon, a, b) for a, b in zip(lats, lons, strict=True))


def test_zones_within_are_exactly_those_nearer_than_the_radius() -> None:
    """Of squares whose nearest edge is 0, 0.5, 0.95, 1.05 and 2 radii away, the first three."""
    radius = 5_000.0
    zones = [square_at("under", *CENTRE, 0.01)]
    for name, share, azimuth in [("half", 0.5, 30), ("near", 0.95, 120), ("out", 1.05, 200)]:
        # A 400 m square whose centre is 200 m beyond the wanted distance, along the azimuth.
        zones.append(square_at(name, *point_at(*CENTRE, azimuth, share * radius + 200), 0.0018))
    zones.append(square_at("far", *point_at(*CENTRE, 300, 2 * radius), 0.01))
    nearest = {zone.id: nearest_metres(zone, *CENTRE) for zone in zones[1:]}
    assert nearest["near"] < 0.97 * radius
    assert nearest["out"] > 1.03 * radius
    index = ZoneIndex(zones)
    found = {index.zones[i].id for i in index.zones_within(*CENTRE, radius)}
    assert found == {"under", "half", "near"}


def test_a_point_in_a_hole_is_outside_the_zone() -> None:
    """A point 955 m inside a hole's edge is not in the zone at 0 or 900 m, and is at 1 km."""
    outer = box_zone("ring", 30.9, 34.9, 31.1, 35.1).rings[0]
    hole = box_zone("hole", 30.99, 34.99, 31.01, 35.01).rings[0]
    zone = Zone("ring", "xx", {"en": "ring"}, 15, (outer, hole))
    index = ZoneIndex([zone])
    inside = distance(31.0, 35.0, 31.0, 35.01)
    assert 950 < inside < 960
    assert index.zones_within(31.0, 35.0, 0.0).size == 0
    assert index.zones_within(31.0, 35.0, 900.0).size == 0
    assert index.zones_within(31.0, 35.0, 1_000.0).tolist() == [0]


def test_a_big_zone_is_cut_into_small_parts_that_cover_it() -> None:
    """A country-sized disc of 2,000 vertices becomes parts of few vertices covering it all."""
    angles = np.linspace(0, 2 * np.pi, 2_000)
    ring = tuple(zip(24 + 8 * np.sin(angles), 45 + 8 * np.cos(angles), strict=True))
    country = Zone("country", "xx", {"en": "country"}, 90, (ring,))
    index = ZoneIndex([country, square_at("small", *CENTRE, 0.01)])
    parts = index.parts[index.part_zone == 0]
    assert parts.size > 2_000 / MAX_PART_VERTICES
    assert (shapely.get_num_coordinates(parts) <= MAX_PART_VERTICES).all()
    whole = shapely.union_all(parts)
    assert whole.area == pytest.approx(shapely.area(parts).sum(), rel=1e-9)
    assert whole.geom_type == "Polygon"
    assert shapely.get_num_interior_rings(whole) == 0
    assert whole.area == pytest.approx(whole.convex_hull.area, rel=1e-4)
    assert index.part_zone[index.part_zone != 0].tolist() == [1]


def test_part_edges_are_the_rings_edges_grouped_by_part() -> None:
    """A square's part has four edges whose vectors close the ring."""
    index = ZoneIndex([square_at("a", *CENTRE, 0.01), square_at("b", 31.5, 35.5, 0.02)])
    assert index.edge_count.tolist() == [4, 4]
    assert index.edge_start.tolist() == [0, 4]
    assert index.edges.shape == (8, 6)
    for first in index.edge_start:
        ring = index.edges[first : first + 4]
        assert ring[:, 2:4].sum(axis=0) == pytest.approx([0.0, 0.0], abs=1e-6)


def test_an_index_needs_zones() -> None:
    """Building an index of no zones is refused."""
    with pytest.raises(ValueError, match="at least one zone"):
        ZoneIndex([])

"""When each threat truly reached each zone: the ground truth warnings are scored against.

A flying threat reaches a zone when its true track first enters the zone's outline; a ballistic
one reaches only the zone its impact point lies in, at impact. A threat neutralised before a
zone reaches nothing after.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import shapely
from shapely import STRtree

from tanbih.domain.coalition import Zone
from tanbih.exercise.flight import Flight


def zone_shapes(zones: Iterable[Zone]) -> tuple[list[Zone], STRtree]:
    """The zones and an index of their outlines in (lon, lat)."""
    listed = list(zones)
    polygons = [
        shapely.Polygon(
            [(lon, lat) for lat, lon in z.rings[0]],
            [[(lon, lat) for lat, lon in r] for r in z.rings[1:]],
        )
        for z in listed
    ]
    return listed, STRtree(polygons)


def arrivals(flights: Iterable[Flight], zones: Iterable[Zone]) -> dict[str, tuple[str, float]]:
    """Per zone id, the first threat to reach it and when (seconds after the start)."""
    listed, tree = zone_shapes(zones)
    first: dict[str, tuple[str, float]] = {}
    for flight in flights:
        if flight.ballistic:
            if flight.threat.neutralised_at is not None and flight.end_s < flight.legs[-1].end_s:
                continue
            state = flight.at(flight.end_s)
            if state is None:
                continue
            points = [(state.lon, state.lat, flight.end_s)]
        else:
            points = [(s.lon, s.lat, s.t) for s in flight.track(1.0)]
        if not points:
            continue
        coords = np.array([(lon, lat) for lon, lat, _ in points])
        hits = tree.query(shapely.points(coords), predicate="within")
        for point_index, zone_index in zip(hits[0], hits[1], strict=True):
            zone = listed[int(zone_index)]
            t = points[int(point_index)][2]
            if zone.id not in first or t < first[zone.id][1]:
                first[zone.id] = (flight.threat.id, t)
    return first

"""The console's base map of zones: a small GeoJSON built once when the node starts.

The coalition's zone rings are exact (Israel's 1,449 areas are ~1.9 MB as files); a map needs
far less. Each ring is simplified with shapely (topology kept, so no polygon turns inside out)
and its coordinates rounded, which brings the whole map to a few hundred kilobytes before
gzip. The bytes and their gzip are kept, so serving it costs nothing per request.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import shapely

from tanbih.domain.coalition import Zone

# Degrees (~30 m of latitude): invisible at the zoom a whole area is seen at.
SIMPLIFY_DEGREES = 0.0003
# Decimal places kept: 1e-4 degree is ~11 m.
COORDINATE_DIGITS = 4


@dataclass(frozen=True, slots=True)
class ZoneMap:
    """The encoded map: JSON bytes, their gzip, and an entity tag for caching."""

    body: bytes
    gzipped: bytes
    etag: str


def zone_map(zones: Iterable[Zone]) -> ZoneMap:
    """A GeoJSON FeatureCollection of ``zones`` with names, owner and shelter time."""
    zones = list(zones)
    # Zone rings are (lat, lon); GeoJSON wants (lon, lat). One vectorised pass over all zones.
    polygons = [
        shapely.Polygon(_lon_lat(zone.rings[0]), [_lon_lat(hole) for hole in zone.rings[1:]])
        for zone in zones
    ]
    simple = shapely.simplify(polygons, SIMPLIFY_DEGREES, preserve_topology=True)
    rounded = shapely.transform(simple, lambda xy: np.round(xy, COORDINATE_DIGITS))
    # Rounding may fold a narrow ring onto itself; such a zone keeps its unrounded outline, so
    # every outer ring stays simple and the console can send it as a valid CAP polygon.
    rounded = np.where(shapely.is_valid(rounded), rounded, simple)
    features = ",".join(
        _feature(zone, geometry)
        for zone, geometry in zip(zones, shapely.to_geojson(rounded), strict=True)
    )
    body = f'{{"type":"FeatureCollection","features":[{features}]}}'.encode()
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    # mtime=0: the same zones give the same bytes, whenever the node starts.
    return ZoneMap(body=body, gzipped=gzip.compress(body, compresslevel=9, mtime=0), etag=etag)


def _lon_lat(ring: tuple[tuple[float, float], ...]) -> list[tuple[float, float]]:
    return [(lon, lat) for lat, lon in ring]


def _feature(zone: Zone, geometry: str) -> str:
    properties = {
        "partner": zone.partner_id,
        "shelterSeconds": zone.shelter_seconds,
        "names": dict(zone.names),
    }
    head = json.dumps(
        {"type": "Feature", "id": zone.id, "properties": properties},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return f'{head[:-1]},"geometry":{geometry}}}'

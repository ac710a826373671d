"""Alert zones from GeoJSON: one partner's file of Polygon and MultiPolygon features.

GeoJSON positions are ``[lon, lat]``; :class:`~tanbih.domain.coalition.Zone` rings are
``(lat, lon)``, so every position is swapped here, once. A MultiPolygon feature becomes one zone
per part, with ids ``<id>.1``, ``<id>.2``... in file order: every part keeps its own outline (an
island is warned as itself), and a zone stays one polygon everywhere downstream (CAP ``<area>``,
assessment). Problems name the zone file and the JSON path inside it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely

from tanbih.coalition.schema import MAX_SHELTER_SECONDS, ZoneSourceEntry
from tanbih.domain.coalition import Zone
from tanbih.errors import Problem

Ring = tuple[tuple[float, float], ...]
Positions = npt.NDArray[np.float64]
Located = tuple[str, Zone]


def zones_from_geojson(raw: bytes, source: ZoneSourceEntry) -> tuple[list[Located], list[Problem]]:
    """The zones in one GeoJSON FeatureCollection, each with where it came from, and problems."""
    try:
        document = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        return [], [Problem(source.file, f"not valid JSON: {exc}", line)]
    features = document.get("features") if isinstance(document, dict) else None
    if not isinstance(features, list) or document.get("type") != "FeatureCollection":
        return [], [Problem(source.file, "not a GeoJSON FeatureCollection with a features list")]
    located: list[Located] = []
    problems: list[Problem] = []
    for index, feature in enumerate(features):
        where = f"{source.file}:features[{index}]"
        zones, feature_problems = _feature_zones(feature, source, where)
        located += [(where, zone) for zone in zones]
        problems += feature_problems
    if not features:
        problems.append(Problem(source.file, "has no features"))
    return located, problems


def duplicate_zone_ids(located: Iterable[Located]) -> list[Problem]:
    """A problem for each zone whose id an earlier zone (in any file) already has."""
    first: dict[str, str] = {}
    problems: list[Problem] = []
    for where, zone in located:
        if zone.id in first:
            problems.append(Problem(where, f"zone id {zone.id!r} already used at {first[zone.id]}"))
        else:
            first[zone.id] = where
    return problems


def _feature_zones(
    feature: object, source: ZoneSourceEntry, where: str
) -> tuple[list[Zone], list[Problem]]:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return [], [Problem(where, "not a GeoJSON Feature")]
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        return [], [Problem(f"{where}.properties", "a zone needs its properties")]
    problems: list[Problem] = []
    zone_id = _zone_id(properties, source, where, problems)
    shelter = _shelter_seconds(properties, source, where, problems)
    names = _names(properties, source, where, problems)
    polygons = geometry_polygons(feature.get("geometry"), f"{where}.geometry", problems)
    if problems or zone_id is None or shelter is None:
        return [], problems
    frozen_names = MappingProxyType(names)
    if len(polygons) == 1:
        return [Zone(zone_id, source.partner, frozen_names, shelter, polygons[0])], []
    return [
        Zone(f"{zone_id}.{n}", source.partner, frozen_names, shelter, rings)
        for n, rings in enumerate(polygons, start=1)
    ], []


def _zone_id(
    properties: Mapping[str, Any], source: ZoneSourceEntry, where: str, problems: list[Problem]
) -> str | None:
    value = properties.get(source.id_property)
    # bool is an int subclass; a true/false id is a mistake, not zone 1/0.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    problems.append(
        Problem(f"{where}.properties.{source.id_property}", "missing: a zone needs an id")
    )
    return None


def _shelter_seconds(
    properties: Mapping[str, Any], source: ZoneSourceEntry, where: str, problems: list[Problem]
) -> int | None:
    name = source.shelter_seconds_property
    value = properties.get(name) if name is not None else None
    if value is None:
        if source.shelter_seconds is None:
            problems.append(
                Problem(f"{where}.properties.{name}", "missing, and no default shelter_seconds")
            )
        return source.shelter_seconds
    if isinstance(value, bool) or not isinstance(value, int):
        problems.append(Problem(f"{where}.properties.{name}", "shelter time is whole seconds"))
        return None
    if not 0 <= value <= MAX_SHELTER_SECONDS:
        problems.append(
            Problem(
                f"{where}.properties.{name}",
                f"shelter time {value} s is outside 0..{MAX_SHELTER_SECONDS} s",
            )
        )
        return None
    return value


def _names(
    properties: Mapping[str, Any], source: ZoneSourceEntry, where: str, problems: list[Problem]
) -> dict[str, str]:
    names: dict[str, str] = {}
    for language, name in source.names.items():
        value = properties.get(name)
        if isinstance(value, str) and value.strip():
            names[language] = value.strip()
        elif value is not None and not isinstance(value, str):
            problems.append(Problem(f"{where}.properties.{name}", "a zone name is text"))
    return names


def geometry_polygons(
    geometry: object, where: str, problems: list[Problem]
) -> list[tuple[Ring, ...]]:
    """The polygons of a geometry, each as (lat, lon) rings: outer first, holes after."""
    if not isinstance(geometry, dict):
        problems.append(Problem(where, "a zone needs a Polygon or MultiPolygon geometry"))
        return []
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        parts, paths = [coordinates], [f"{where}.coordinates"]
    elif kind == "MultiPolygon" and isinstance(coordinates, list) and coordinates:
        parts = coordinates
        paths = [f"{where}.coordinates[{n}]" for n in range(len(coordinates))]
    else:
        problems.append(Problem(where, f"a zone is a Polygon or MultiPolygon, not {kind!r}"))
        return []
    polygons: list[tuple[Ring, ...]] = []
    for part, path in zip(parts, paths, strict=True):
        polygon = polygon_rings(part, path, problems)
        if polygon is not None:
            polygons.append(polygon)
    return polygons


def polygon_rings(raw: object, where: str, problems: list[Problem]) -> tuple[Ring, ...] | None:
    """One GeoJSON polygon as (lat, lon) rings, if each ring is well formed and it is valid."""
    if not isinstance(raw, list) or not raw:
        problems.append(Problem(where, "a polygon is a non-empty list of rings"))
        return None
    rings: list[Positions] = []
    for n, raw_ring in enumerate(raw):
        ring = _ring(raw_ring)
        if isinstance(ring, str):
            problems.append(Problem(f"{where}[{n}]", ring))
        else:
            rings.append(ring)
    if len(rings) < len(raw):
        return None
    outline = shapely.polygons(rings[0], holes=rings[1:] or None)
    if not shapely.is_valid(outline):
        # Self-intersections, spikes, holes outside the outer ring: assessment would be wrong.
        problems.append(Problem(where, f"invalid polygon: {shapely.is_valid_reason(outline)}"))
        return None
    return tuple(tuple(zip(r[:, 1].tolist(), r[:, 0].tolist(), strict=True)) for r in rings)


def _ring(raw: object) -> Positions | str:
    """A GeoJSON linear ring as an (n, 2) array of [lon, lat], or what is wrong with it."""
    if not isinstance(raw, list) or len(raw) < 4:
        return "a ring is a list of at least 4 positions"
    try:
        # One numpy pass instead of a Python loop per position: loading 1,449 areas stays fast.
        positions = np.asarray(raw)
    except ValueError:
        positions = np.asarray([])
    # Kind i/u/f: numbers only (booleans, text and nulls give other kinds).
    if positions.ndim != 2 or positions.shape[1] not in (2, 3) or positions.dtype.kind not in "iuf":
        return "a position is [lon, lat] or [lon, lat, altitude], in numbers"
    lon_lat = positions[:, :2].astype(float)
    # Written so NaN fails too: NaN compares false with everything.
    on_globe = (np.abs(lon_lat[:, 0]) <= 180.0) & (np.abs(lon_lat[:, 1]) <= 90.0)
    if not on_globe.all():
        bad = int(np.argmin(on_globe))
        return f"position {bad} {raw[bad]} is off the globe (lon -180..180, lat -90..90)"
    if (lon_lat[0] != lon_lat[-1]).any():
        return "the ring is not closed (its last position must repeat its first)"
    return lon_lat

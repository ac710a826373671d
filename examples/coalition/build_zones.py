"""Rebuild the demo coalition's zone files from the shared data set.

    .venv/bin/python examples/coalition/build_zones.py [--data ../shared/data] [--out DIR]

Writes ``zones/il.geojson`` (Israel Home Front Command alert areas) and one file per other
partner (its whole territory, from Natural Earth 1:50m). The demo runs from the committed
output alone; this script is only needed to refresh it. See ``zones/ATTRIBUTION.md``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyproj
import shapely
from shapely.geometry import mapping, shape

HERE = Path(__file__).resolve().parent
DEFAULT_DATA = HERE.parents[2] / "shared" / "data"
OREF = "oref/derived/oref_alert_areas.geojson"
BORDERS = "borders/middle_east_admin0_ne50m.geojson"

# 7 decimals is about 1 cm: far below the areas' own accuracy, and every polygon stays valid
# (at 6 decimals, 6 of the 1,449 would self-intersect).
IL_DECIMALS = 7
# Natural Earth 1:50m is accurate to about a kilometre; 5 decimals (about 1 m) loses nothing.
NE_DECIMALS = 5
# NE's generalised coastline leaves some coastal cities in the sea (Manama is 1.2 km out), so
# each territory is pushed this far seaward, but never onto another country's land.
SEAWARD_METRES = 3000.0

PARTNER_TERRITORIES = {
    # partner id: (ISO 3166 alpha-3, Arabic name)
    "sa": ("SAU", "المملكة العربية السعودية"),
    "qa": ("QAT", "قطر"),
    "eg": ("EGY", "مصر"),
    "ae": ("ARE", "الإمارات العربية المتحدة"),
    "bh": ("BHR", "البحرين"),
    "jo": ("JOR", "الأردن"),
}


def israel_features(areas: dict[str, Any]) -> list[dict[str, Any]]:
    """One compact feature per Home Front Command area, with the properties the demo reads."""
    features = []
    for feature in areas["features"]:
        props = feature["properties"]
        ring = _rounded_ring(feature["geometry"]["coordinates"][0], IL_DECIMALS)
        if not shapely.Polygon(ring).is_valid:
            raise SystemExit(f"{props['name_he']}: polygon invalid after rounding")
        features.append(
            {
                "type": "Feature",
                "properties": {
                    # The HFC segment number is the area's stable numeric id.
                    "id": f"il-{props['segment']}",
                    "name_he": props["name_he"],
                    "name_en": props["name_en"],
                    "name_ar": props["name_ar"],
                    # amitfin's migun_time (2026-06) is newer than eladnava's countdown.
                    "shelter_s": props["migun_time_s"],
                },
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        )
    return features


def _rounded_ring(ring: Iterable[list[float]], decimals: int) -> list[list[float]]:
    """The ring rounded, without repeated consecutive positions (the source repeats its last)."""
    out: list[list[float]] = []
    for lon, lat in ring:
        position = [round(lon, decimals), round(lat, decimals)]
        if not out or out[-1] != position:
            out.append(position)
    return out


def territory_features(borders: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each partner's territory as one feature, coastline pushed seaward, keyed by partner id."""
    land = {f["properties"]["iso_a3"]: shape(f["geometry"]) for f in borders["features"]}
    names = {f["properties"]["iso_a3"]: f["properties"]["name"] for f in borders["features"]}
    out = {}
    for partner, (iso, name_ar) in PARTNER_TERRITORIES.items():
        others = shapely.union_all([g for code, g in land.items() if code != iso])
        grown = _buffer_metres(land[iso], SEAWARD_METRES).difference(others)
        geometry = shapely.set_precision(land[iso].union(grown), 10**-NE_DECIMALS)
        if not geometry.is_valid:
            raise SystemExit(f"{iso}: territory invalid")
        out[partner] = {
            "type": "Feature",
            "properties": {"id": f"{partner}-territory", "name_en": names[iso], "name_ar": name_ar},
            "geometry": mapping(geometry),
        }
    return out


def _buffer_metres(geometry: Any, metres: float) -> Any:
    """``geometry`` grown by ``metres``, measured in an equidistant projection centred on it."""
    centre = geometry.centroid
    local = pyproj.CRS.from_proj4(f"+proj=aeqd +lat_0={centre.y} +lon_0={centre.x} +units=m")
    to_local = pyproj.Transformer.from_crs("EPSG:4326", local, always_xy=True).transform
    to_wgs84 = pyproj.Transformer.from_crs(local, "EPSG:4326", always_xy=True).transform
    grown = shapely.transform(geometry, to_local, interleaved=False).buffer(metres, quad_segs=4)
    return shapely.transform(grown, to_wgs84, interleaved=False)


def write_collection(path: Path, features: list[dict[str, Any]]) -> None:
    """A FeatureCollection with one feature per line, so a diff shows which areas changed."""
    lines = ",\n".join(json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features)
    path.write_text('{"type":"FeatureCollection","features":[\n' + lines + "\n]}\n", "utf-8")


def build(data: Path, out: Path) -> list[Path]:
    """Read the shared data set in ``data``; write the zone files into ``out``; list them."""
    out.mkdir(parents=True, exist_ok=True)
    areas = json.loads((data / OREF).read_text("utf-8"))
    write_collection(out / "il.geojson", israel_features(areas))
    borders = json.loads((data / BORDERS).read_text("utf-8"))
    for partner, feature in territory_features(borders).items():
        write_collection(out / f"{partner}.geojson", [feature])
    return [out / "il.geojson", *(out / f"{p}.geojson" for p in PARTNER_TERRITORIES)]


def main() -> None:
    """Rebuild the zone files from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the shared data folder")
    parser.add_argument("--out", type=Path, default=HERE / "zones", help="where to write")
    args = parser.parse_args()
    for path in build(args.data, args.out):
        print(f"{path}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()

"""The console's zone map: every zone, named and timed, small, outlines valid as CAP polygons."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
import shapely
from tests.conftest import REPO_ROOT

from tanbih.api.zone_map import zone_map
from tanbih.coalition import load_coalition
from tanbih.domain.coalition import Coalition

# The budget the console's bundle is measured against is 1.5 MB; the map is a fraction of it.
MAX_GZIPPED_BYTES = 300_000


@pytest.fixture(scope="module")
def coalition() -> Coalition:
    return load_coalition(Path(REPO_ROOT / "examples" / "coalition" / "coalition.yaml"))


def test_every_zone_is_mapped_with_its_owner_names_and_shelter_time(coalition: Coalition) -> None:
    """Each of the coalition's zones is a feature with its partner, names and shelter seconds."""
    features = json.loads(zone_map(coalition.zones).body)["features"]
    assert len(features) == len(coalition.zones) > 1449
    by_id = {f["id"]: f for f in features}
    for zone in coalition.zones:
        properties = by_id[zone.id]["properties"]
        assert properties == {
            "partner": zone.partner_id,
            "shelterSeconds": zone.shelter_seconds,
            "names": dict(zone.names),
        }


def test_outlines_are_simplified_yet_valid_polygons(coalition: Coalition) -> None:
    """Simplified and rounded, each outline is still a valid polygon whose outer ring is simple."""
    mapped = zone_map(coalition.zones)
    features = json.loads(mapped.body)["features"]
    for feature in features:
        geometry = shapely.geometry.shape(feature["geometry"])
        assert geometry.is_valid, feature["id"]
        parts = geometry.geoms if geometry.geom_type == "MultiPolygon" else [geometry]
        assert all(part.exterior.is_simple for part in parts), feature["id"]
    assert len(mapped.gzipped) < MAX_GZIPPED_BYTES
    assert gzip.decompress(mapped.gzipped) == mapped.body


def test_the_same_zones_give_the_same_bytes_and_entity_tag(coalition: Coalition) -> None:
    """Two builds agree byte for byte, so a browser's cached copy stays valid across restarts."""
    first, second = zone_map(coalition.zones), zone_map(coalition.zones)
    assert (first.etag, first.gzipped) == (second.etag, second.gzipped)

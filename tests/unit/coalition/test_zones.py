"""Zone files: what becomes a zone, and every way a GeoJSON file can be wrong."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.coalition.samples import (
    Document,
    Write,
    collection,
    feature,
    load_problems,
    minimal,
    square,
)

from tanbih.coalition import load_coalition, parse_coalition
from tanbih.errors import CoalitionError, Problem

FILE = "zones/aa.geojson"


def one_feature(**changes: Any) -> dict[str, Document | str]:
    """The zone file of :func:`minimal` holding one feature, its keys overridden by ``changes``."""
    zone = feature("aa-1", square(35.0, 32.0), shelter_s=30, name_en="One", name_ar="واحد")
    for key, value in changes.items():
        if key == "properties":
            zone["properties"].update(value)
        else:
            zone[key] = value
    return {FILE: collection(zone)}


def polygon(*rings: list[list[Any]]) -> Document:
    """A GeoJSON Polygon geometry."""
    return {"type": "Polygon", "coordinates": list(rings)}


BOWTIE = [[35.0, 32.0], [35.1, 32.1], [35.1, 32.0], [35.0, 32.1], [35.0, 32.0]]
OPEN_RING = [*square(35.0, 32.0)[:-1], [35.0, 32.005]]
HOLE_OUTSIDE = polygon(square(35.0, 32.0), square(36.0, 33.0))

FILE_CASES: list[tuple[str, dict[str, Document | str], str, str]] = [
    # (case, zone files, where the one problem is, words its message must contain)
    ("not JSON", {FILE: "{not json"}, FILE, "not valid JSON"),
    ("not a collection", {FILE: {"type": "Feature"}}, FILE, "FeatureCollection"),
    ("no features", {FILE: collection()}, FILE, "no features"),
    ("not a feature", {FILE: collection({"type": "Point"})}, f"{FILE}:features[0]", "Feature"),
    ("no id", one_feature(properties={"id": None}), f"{FILE}:features[0].properties.id", "id"),
    ("blank id", one_feature(properties={"id": " "}), f"{FILE}:features[0].properties.id", "id"),
    ("boolean id", one_feature(properties={"id": True}), f"{FILE}:features[0].properties.id", "id"),
    (
        "shelter time over 600 s",
        one_feature(properties={"shelter_s": 601}),
        f"{FILE}:features[0].properties.shelter_s",
        "outside 0..600",
    ),
    (
        "shelter time as text",
        one_feature(properties={"shelter_s": "90"}),
        f"{FILE}:features[0].properties.shelter_s",
        "whole seconds",
    ),
    (
        "shelter time missing, no default",
        one_feature(properties={"shelter_s": None}),
        f"{FILE}:features[0].properties.shelter_s",
        "no default",
    ),
    (
        "name not text",
        one_feature(properties={"name_en": 7}),
        f"{FILE}:features[0].properties.name_en",
        "text",
    ),
    (
        "point geometry",
        one_feature(geometry={"type": "Point", "coordinates": [35.0, 32.0]}),
        f"{FILE}:features[0].geometry",
        "'Point'",
    ),
    ("no geometry", one_feature(geometry=None), f"{FILE}:features[0].geometry", "Polygon"),
    (
        "ring not closed",
        one_feature(geometry=polygon(OPEN_RING)),
        f"{FILE}:features[0].geometry.coordinates[0]",
        "not closed",
    ),
    (
        "ring of three positions",
        one_feature(geometry=polygon(square(35.0, 32.0)[:3])),
        f"{FILE}:features[0].geometry.coordinates[0]",
        "at least 4",
    ),
    (
        "position as text",
        one_feature(geometry=polygon([["35", "32"]] * 4)),
        f"{FILE}:features[0].geometry.coordinates[0]",
        "numbers",
    ),
    (
        "position off the globe",
        one_feature(geometry=polygon([[35.0, 32.0], [35.0, 95.0], [35.1, 32.0], [35.0, 32.0]])),
        f"{FILE}:features[0].geometry.coordinates[0]",
        "off the globe",
    ),
    (
        "self-intersecting outline",
        one_feature(geometry=polygon(BOWTIE)),
        f"{FILE}:features[0].geometry.coordinates",
        "Self-intersection",
    ),
    (
        "hole outside its polygon",
        one_feature(geometry=HOLE_OUTSIDE),
        f"{FILE}:features[0].geometry.coordinates",
        "invalid polygon",
    ),
    (
        "bad part of a multipolygon",
        one_feature(geometry={"type": "MultiPolygon", "coordinates": [[square(35, 32)], [BOWTIE]]}),
        f"{FILE}:features[0].geometry.coordinates[1]",
        "Self-intersection",
    ),
    (
        "zone id used twice",
        {FILE: collection(feature("aa-1", shelter_s=30), feature("aa-1", shelter_s=30))},
        f"{FILE}:features[1]",
        f"already used at {FILE}:features[0]",
    ),
]


@pytest.mark.parametrize(
    ("zones", "where", "words"),
    [pytest.param(zones, where, words, id=case) for case, zones, where, words in FILE_CASES],
)
def test_each_zone_file_mistake_names_the_file_and_the_feature(
    write: Write, zones: dict[str, Document | str], where: str, words: str
) -> None:
    """A mistake inside a zone file is reported at the file name and the JSON path inside it."""
    problems = load_problems(write(minimal(), zones=zones))
    assert [p.where for p in problems] == [where], problems
    assert words in problems[0].message


def test_a_missing_zone_file_names_the_file(write: Write) -> None:
    """A zone file that is not there is reported at zones[0].file, naming the file looked for."""
    path = write(minimal(), zones={})
    [problem] = load_problems(path)
    assert problem.where == "zones[0].file"
    assert problem.message.startswith(f"zone file {FILE!r}: not found")
    assert str(path.parent / FILE) in problem.message
    assert problem.line is not None


def test_zone_ids_must_be_unique_across_files(write: Write) -> None:
    """Two partners' files declaring the same zone id collide, reported at the second one."""
    document = minimal()
    second = {**document["zones"][0], "partner": "bb", "file": "zones/bb.geojson"}
    document["zones"].append(second)
    zones = {
        FILE: collection(feature("shared", shelter_s=30)),
        "zones/bb.geojson": collection(feature("shared", square(34.0, 31.0), shelter_s=30)),
    }
    problems = load_problems(write(document, zones=zones))
    assert [p.where for p in problems] == ["zones/bb.geojson:features[0]"]


def test_rings_are_turned_from_lon_lat_into_lat_lon(write: Write) -> None:
    """GeoJSON [lon, lat] becomes the model's (lat, lon); holes stay after the outer ring."""
    hole = [
        [35.002, 32.002],
        [35.002, 32.004],
        [35.004, 32.004],
        [35.004, 32.002],
        [35.002, 32.002],
    ]
    coalition = load_coalition(
        write(minimal(), zones=one_feature(geometry=polygon(square(35.0, 32.0), hole)))
    )
    [zone] = coalition.zones
    assert zone.rings[0][:2] == ((32.0, 35.0), (32.0, 35.01))
    assert zone.rings[1][0] == (32.002, 35.002)
    assert len(zone.rings) == 2


def test_a_multipolygon_becomes_one_zone_per_part(write: Write) -> None:
    """Each part of a MultiPolygon is its own zone, numbered <id>.1, <id>.2 in file order."""
    parts = {"type": "MultiPolygon", "coordinates": [[square(35.0, 32.0)], [square(36.0, 33.0)]]}
    coalition = load_coalition(write(minimal(), zones=one_feature(geometry=parts)))
    assert [(z.id, z.rings[0][0]) for z in coalition.zones] == [
        ("aa-1.1", (32.0, 35.0)),
        ("aa-1.2", (33.0, 36.0)),
    ]
    assert {z.shelter_seconds for z in coalition.zones} == {30}


def test_a_default_shelter_time_fills_features_without_one(write: Write) -> None:
    """shelter_seconds fills features lacking the named property; the property wins elsewhere."""
    document = minimal()
    document["zones"][0]["shelter_seconds"] = 90
    zones = {FILE: collection(feature("aa-1", shelter_s=15), feature("aa-2", square(35.1, 32.0)))}
    coalition = load_coalition(write(document, zones=zones))
    assert [(z.id, z.shelter_seconds) for z in coalition.zones] == [("aa-1", 15), ("aa-2", 90)]


def test_names_come_from_the_mapped_properties_and_absent_ones_are_skipped(write: Write) -> None:
    """Zone names are read per language; a null name leaves that language out."""
    zones = one_feature(properties={"name_ar": None, "id": 4211})
    [zone] = load_coalition(write(minimal(), zones=zones)).zones
    assert dict(zone.names) == {"en": "One"}
    assert zone.id == "4211"
    assert zone.partner_id == "aa"


def test_zone_files_can_come_from_anywhere_the_caller_reads(write: Write) -> None:
    """parse_coalition does no I/O: the caller's reader supplies the zone files."""
    text = write(minimal()).read_text(encoding="utf-8")
    files = {FILE: b'{"type":"FeatureCollection","features":[]}'}
    with pytest.raises(CoalitionError) as caught:
        parse_coalition(text, files.__getitem__)
    assert caught.value.problems == (Problem(FILE, "has no features"),)

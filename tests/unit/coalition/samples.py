"""A small valid coalition to break one way per test, and helpers to load what is written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tanbih.coalition import load_coalition
from tanbih.coalition.tokens import hash_token
from tanbih.errors import CoalitionError, Problem

Document = dict[str, Any]
Write = Callable[..., Path]


def square(lon: float, lat: float, size: float = 0.01) -> list[list[float]]:
    """A closed counter-clockwise GeoJSON ring: a square with its south-west corner at lon, lat."""
    return [
        [lon, lat],
        [lon + size, lat],
        [lon + size, lat + size],
        [lon, lat + size],
        [lon, lat],
    ]


def feature(zone_id: Any, ring: list[list[float]] | None = None, **properties: Any) -> Document:
    """A GeoJSON Polygon feature with an id property and any other properties."""
    return {
        "type": "Feature",
        "properties": {"id": zone_id, **properties},
        "geometry": {"type": "Polygon", "coordinates": [ring or square(35.0, 32.0)]},
    }


def collection(*features: Document) -> Document:
    """A GeoJSON FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(features)}


def minimal() -> Document:
    """A coordinator and two partners, one zone file: the smallest coalition that loads."""
    return {
        "format": "tanbih-coalition/1",
        "coalition": {"name": "Test coalition", "version": "1"},
        "node": {"partner": "hub", "sender": "hub@hub.example.org"},
        "partners": [
            {
                "id": "hub",
                "name": "Hub",
                "role": "coordinator",
                "languages": ["en"],
                "senders": ["hub@hub.example.org"],
                "tokens": [hash_token("hub-token")],
                "contacts": [
                    {
                        "id": "hub-duty",
                        "name": "Hub duty officer",
                        "duty": "duty_officer",
                        "languages": ["en"],
                        "channels": [
                            {"kind": "console", "address": "hub-duty"},
                            {"kind": "email", "address": "duty@hub.example.org"},
                            {"kind": "sms", "address": "+447700900001"},
                            {"kind": "voice", "address": "+447700900001"},
                            {"kind": "webhook", "address": "http://127.0.0.1:18100/cap"},
                            {"kind": "apprise", "address": "json://127.0.0.1:18190/"},
                        ],
                    }
                ],
            },
            {
                "id": "aa",
                "name": "Partner A",
                "role": "partner",
                "languages": ["ar", "en"],
                "senders": ["cap@aa.example.org"],
                "tokens": [hash_token("aa-token")],
                "contacts": [
                    {
                        "id": "aa-duty",
                        "name": "A duty officer",
                        "duty": "duty_officer",
                        "languages": ["ar"],
                    }
                ],
            },
            {
                "id": "bb",
                "name": "Partner B",
                "role": "observer",
                "languages": ["he"],
            },
        ],
        "zones": [
            {
                "partner": "aa",
                "file": "zones/aa.geojson",
                "id_property": "id",
                "shelter_seconds_property": "shelter_s",
                "names": {"en": "name_en", "ar": "name_ar"},
            }
        ],
    }


def minimal_zones() -> dict[str, Document]:
    """The zone files :func:`minimal` names: two zones of partner A."""
    return {
        "zones/aa.geojson": collection(
            feature("aa-1", square(35.0, 32.0), shelter_s=30, name_en="One", name_ar="واحد"),
            feature("aa-2", square(35.1, 32.0), shelter_s=90, name_en="Two", name_ar="اثنان"),
        )
    }


def load_problems(path: Path) -> tuple[Problem, ...]:
    """The problems loading ``path`` reports (failing the test if it loads)."""
    with pytest.raises(CoalitionError) as caught:
        load_coalition(path)
    assert caught.value.source == str(path)
    return caught.value.problems

"""The agreement's sections of the coalition file: loaded as typed values, each mistake named."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from tests.unit.coalition.samples import (
    Document,
    Write,
    load_problems,
    minimal,
    minimal_zones,
    square,
)

from tanbih.coalition import load_coalition
from tanbih.coalition.agreement_signing import new_key_pair
from tanbih.domain.agreement import Agreement
from tanbih.domain.cap import Status
from tanbih.domain.releasability import EVERYTHING_SHARED, Level
from tanbih.domain.threat import ThreatClass

HUB_KEY = new_key_pair()[1]
SIGNATURE = "A" * 86 + "=="


def with_agreement() -> Document:
    """The minimal coalition with every agreement section filled in."""
    document = minimal()
    document["agreement"] = {
        "title": "Test understanding",
        "binding": False,
        "version": "1",
        "parties": ["hub", "aa", "bb"],
        "keys": {"hub": HUB_KEY},
        "signatures": {"hub": SIGNATURE},
    }
    document["sharing"] = {
        "default": "zones_only",
        "pairs": [
            {"between": ["aa", "bb"], "rule": "via_coordinator"},
            {"from": "hub", "to": ["aa", "bb"], "rule": "full"},
        ],
        "overrides": {"Exercise": {"default": "full", "pairs": [{"from": "aa", "to": ["bb"],
                                                                  "rule": "full"}]}},
    }  # fmt: skip
    document["response"] = {
        "non_responders": ["bb"],
        "areas_of_responsibility": [
            {"partner": "aa", "file": "zones/aa.geojson"},
            {"partner": "bb", "name": "B's sea", "polygon": square(34.0, 32.0, 0.5)},
        ],
        "capabilities": {
            "aa": [
                {"name": "interceptors", "threats": ["uav", "rocket"], "range_km": 250},
                {"name": "fighters", "threats": ["aircraft"], "range_km": 500.5,
                 "available": False},
            ],
            "bb": [{"name": "air_defence", "threats": ["uav"], "range_km": 40}],
        },
        "rules": [
            {"name": "rockets", "threats": ["rocket"], "request_timeout": 15,
             "require_area": True},
            {"name": "default", "request_timeout": 90},
        ],
    }  # fmt: skip
    return document


def agreement_of(write: Write, document: Document) -> Agreement:
    """The agreement the written document declares."""
    agreement = load_coalition(write(document)).agreement
    assert agreement is not None
    return agreement


def test_a_file_without_the_sections_gets_an_agreement_that_restricts_nothing(
    write: Write,
) -> None:
    """No sections: the coalition's version and name, every partner a party, all shared."""
    agreement = agreement_of(write, minimal())
    assert (agreement.version, agreement.title) == ("1", "Test coalition")
    assert agreement.parties == ("hub", "aa", "bb")
    assert agreement.sharing == EVERYTHING_SHARED
    assert (agreement.capabilities, agreement.rules, agreement.areas) == ((), (), ())


def test_the_sections_load_as_typed_values(write: Write) -> None:
    """Parties, keys, capabilities, rules and non-responders come out as the domain's values."""
    agreement = agreement_of(write, with_agreement())
    assert agreement.title == "Test understanding"
    assert len(agreement.keys["hub"]) == 32
    assert [(s.partner_id, len(s.signature)) for s in agreement.signatures] == [("hub", 64)]
    assert agreement.non_responders == {"bb"}
    interceptors, fighters = agreement.capabilities_of("aa")
    assert interceptors.threat_classes == {ThreatClass.UAV, ThreatClass.ROCKET}
    assert (interceptors.range_km, interceptors.available) == (250.0, True)
    assert (fighters.range_km, fighters.available) == (500.5, False)
    rockets = agreement.rule_for(ThreatClass.ROCKET, Status.ACTUAL)
    assert (rockets.name, rockets.request_timeout, rockets.require_area) == (
        "rockets",
        timedelta(seconds=15),
        True,
    )
    assert agreement.rule_for(ThreatClass.UAV, Status.ACTUAL).name == "default"


def test_the_sharing_rules_set_ordered_pairs(write: Write) -> None:
    """'between' sets both directions, 'from'/'to' one; overrides keep their own rules."""
    matrix = agreement_of(write, with_agreement()).sharing
    actual, exercise = Status.ACTUAL, Status.EXERCISE
    assert matrix.cell("aa", "bb", actual) is Level.VIA_COORDINATOR
    assert matrix.cell("bb", "aa", actual) is Level.VIA_COORDINATOR
    assert matrix.cell("hub", "aa", actual) is Level.FULL
    assert matrix.cell("aa", "hub", actual) is Level.ZONES_ONLY
    assert matrix.cell("aa", "bb", exercise) is Level.FULL
    assert matrix.cell("bb", "aa", exercise) is Level.VIA_COORDINATOR
    assert matrix.cell("aa", "hub", exercise) is Level.FULL


def test_areas_of_responsibility_come_from_files_or_inline_rings(write: Write) -> None:
    """A zone file gives one polygon per feature; an inline ring is one (lat, lon) polygon."""
    agreement = agreement_of(write, with_agreement())
    (from_file,) = agreement.areas_of("aa")
    (inline,) = agreement.areas_of("bb")
    assert (from_file.name, len(from_file.polygons)) == ("zones/aa.geojson", 2)
    assert inline.name == "B's sea"
    assert inline.polygons[0][0][:2] == ((32.0, 34.0), (32.0, 34.5))


Mutation = Callable[[Document], object]


def put(path: tuple[str | int, ...], value: Any) -> Mutation:
    """A mutation setting the value at ``path``."""

    def mutate(document: Document) -> None:
        node: Any = document
        for part in path[:-1]:
            node = node[part]
        node[path[-1]] = value

    return mutate


AREAS = ("response", "areas_of_responsibility")
CAPABILITIES = ("response", "capabilities")
PAIRS = ("sharing", "pairs")


@pytest.mark.parametrize(
    ("mutation", "where", "words"),
    [
        (put(("agreement", "version"), "2"), "agreement.version", "make them equal"),
        (put(("agreement", "parties"), ["hub", "aa", "bb", "zz"]), "agreement.parties[3]",
         "no partner"),
        (put(("agreement", "parties"), ["hub", "aa", "bb", "aa"]), "agreement.parties[3]",
         "already given"),
        (put(("agreement", "keys", "hub"), "ed25519:AAAA"), "agreement.keys.hub", "32"),
        (put(("agreement", "keys", "hub"), "rsa:AAAA"), "agreement.keys.hub", "ed25519:"),
        (put(("agreement", "signatures", "hub"), "%%%"), "agreement.signatures.hub", "base64"),
        (put(("agreement", "signatures", "aa"), SIGNATURE), "agreement.signatures.aa", "no key"),
        (put(("agreement", "keys", "zz"), HUB_KEY), "agreement.keys.zz", "no party"),
        (put((*PAIRS, 0, "rule"), "secret"), "sharing.pairs[0].rule", "full"),
        (put((*PAIRS, 0, "between"), ["aa", "aa"]), "sharing.pairs[0].between", "different"),
        (put((*PAIRS, 0, "between", 1), "zz"), "sharing.pairs[0].between[1]", "no partner"),
        (put((*PAIRS, 1, "to"), ["aa", "hub"]), "sharing.pairs[1].to", "always full"),
        (put((*PAIRS, 0, "from"), "hub"), "sharing.pairs[0]", "or both 'from' and 'to'"),
        (put((*PAIRS, 0), {"from": "hub", "to": ["aa"], "rule": "via_coordinator"}),
         "sharing.pairs[0].rule", "coordinator"),
        (put(("sharing", "overrides", "Real"), {}), "sharing.overrides.Real", "Actual"),
        (put(("response", "non_responders"), ["zz"]), "response.non_responders[0]", "no party"),
        (put((*CAPABILITIES, "zz"), [{"name": "x", "threats": ["uav"], "range_km": 1}]),
         "response.capabilities.zz", "no party"),
        (put((*CAPABILITIES, "aa", 1, "name"), "interceptors"),
         "response.capabilities.aa[1].name", "already given"),
        (put((*CAPABILITIES, "aa", 0, "threats"), ["drone"]),
         "response.capabilities.aa[0].threats[0]", "uav"),
        (put((*CAPABILITIES, "aa", 0, "range_km"), -5), "response.capabilities.aa[0].range_km",
         "greater than 0"),
        (put(("response", "rules", 0, "threats"), None), "response.rules[1]", "never applies"),
        (put(("response", "rules", 1, "name"), "rockets"), "response.rules[1].name",
         "already given"),
        (put(("response", "rules", 1, "request_timeout"), 0),
         "response.rules[1].request_timeout", "greater than or equal to 1"),
        (put((*AREAS, 0, "polygon"), square(1, 1)), "response.areas_of_responsibility[0]",
         "either 'file' or 'polygon'"),
        (put((*AREAS, 0, "file"), "zones/none.geojson"),
         "response.areas_of_responsibility[0].file", "not found"),
        (put((*AREAS, 1, "polygon"), square(1, 1)[:-1]),
         "response.areas_of_responsibility[1].polygon", "not closed"),
        (put((*AREAS, 1, "partner"), "zz"), "response.areas_of_responsibility[1].partner",
         "no party"),
    ],
)  # fmt: skip
def test_each_agreement_mistake_is_reported_at_its_path(
    write: Write, mutation: Mutation, where: str, words: str
) -> None:
    """One mistake in the agreement's sections gives one problem, at its path, with a line."""
    document = copy.deepcopy(with_agreement())
    mutation(document)
    problems = load_problems(write(document))
    assert [p.where for p in problems] == [where], problems
    assert words in problems[0].message
    assert problems[0].line is not None


def test_an_area_file_that_is_not_geojson_is_named_by_its_file(write: Write) -> None:
    """A broken area file is reported by its own name, as zone files are."""
    document = with_agreement()
    document["response"]["areas_of_responsibility"][0]["file"] = "areas/broken.geojson"
    zones = {"areas/broken.geojson": "{not json", **minimal_zones()}
    problems = load_problems(write(document, zones))
    assert [p.where for p in problems] == ["areas/broken.geojson"]
    assert "not valid JSON" in problems[0].message

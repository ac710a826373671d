"""Ranking responders as tables: area, capability, availability, distance; who is left out."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import timedelta

import pytest
from tests.unit.domain.agreement_samples import AGREEMENT, BALLISTIC, UAV

from tanbih.domain.cap import Status
from tanbih.domain.response import (
    Availability,
    Exclusion,
    Reach,
    SwitchRefusal,
    ThreatToMeet,
    rank_responders,
    switch_availability,
)
from tanbih.domain.threat import ThreatClass

ON = Reach(on_path=True, distance_km=0.0)


def near(km: float) -> Reach:
    """Off the path by ``km``."""
    return Reach(on_path=False, distance_km=km)


def threat(cls: ThreatClass = UAV, status: Status = Status.ACTUAL, *sources: str) -> ThreatToMeet:
    """A threat of ``cls`` reported by ``sources`` (``bb`` if none)."""
    return ThreatToMeet(cls, status, frozenset(sources or ("bb",)))


NOBODY_SWITCHED = Availability()


@pytest.mark.parametrize(
    ("reach", "order"),
    [
        # The area on the path comes first, whatever the distance of the others.
        ({"cc": ON, "aa": near(5), "bb": near(1)}, ["cc", "bb", "aa"]),
        # Off the path everywhere: nearest first.
        ({"aa": near(30), "bb": near(10), "cc": near(20)}, ["bb", "cc", "aa"]),
        # Out of every capability's range: left out (the default rule requires capability).
        ({"aa": near(260), "bb": near(10), "cc": near(350)}, ["bb"]),
        # Two on the path: the nearer tie-break is id (both at 0 km).
        ({"bb": ON, "aa": ON}, ["aa", "bb"]),
        # A partner with no reach at all is out of range of everything.
        ({"aa": near(1)}, ["aa"]),
    ],
)
def test_area_on_path_first_then_distance(reach: dict[str, Reach], order: list[str]) -> None:
    """Candidates come area-on-path first, then nearest, within capability range."""
    assert rank_responders(AGREEMENT, threat(), reach, NOBODY_SWITCHED).order == tuple(order)


def test_a_declared_non_responder_is_never_ranked() -> None:
    """dd (like the demo's UAE) is left out even on the path with the longest range."""
    ranking = rank_responders(AGREEMENT, threat(), {"dd": ON, "aa": near(1)}, NOBODY_SWITCHED)
    assert "dd" not in ranking.order
    assert ("dd", Exclusion.NON_RESPONDER) in {(e.partner_id, e.reason) for e in ranking.excluded}


def test_exclusions_say_which_rule_left_each_party_out() -> None:
    """Every party not ranked is listed with the first rule that left it out."""
    reach = {"aa": near(300), "bb": near(10), "cc": near(10), "dd": ON, "ee": near(1)}
    ranking = rank_responders(AGREEMENT, threat(UAV, Status.ACTUAL, "aa"), reach, NOBODY_SWITCHED)
    assert ranking.order == ("bb",)
    assert {e.partner_id: e.reason for e in ranking.excluded} == {
        "hub": Exclusion.NO_CAPABILITY,
        "aa": Exclusion.OUT_OF_RANGE,
        "cc": Exclusion.NOT_RELEASABLE,
        "dd": Exclusion.NON_RESPONDER,
        "ee": Exclusion.NO_CAPABILITY,
    }


def test_capability_ranks_before_availability_and_availability_before_distance() -> None:
    """A capable partner outranks an incapable one; an available one an unavailable one."""
    reach = {"aa": near(40), "bb": near(20), "cc": near(10)}
    off = Availability({("cc", "fighters"): False})
    ranking = rank_responders(AGREEMENT, threat(UAV, Status.EXERCISE), reach, off)
    # The exercise rule does not require capability: hub and ee rank last, incapable.
    assert ranking.rule.name == "exercise-anyone"
    assert ranking.order == ("bb", "aa", "cc", "ee", "hub")
    first = ranking.candidates[0]
    assert (first.capabilities, first.available) == (("fighters", "air_defence"), ("fighters",))
    assert ranking.candidates[2].available == ()
    assert ranking.candidates[-1].distance_km == math.inf


def test_a_ballistic_threat_needs_an_area_on_its_impact() -> None:
    """The ballistic rule requires the impact area to be in the partner's area of responsibility."""
    reach = {"aa": near(10), "ee": ON}
    ranking = rank_responders(AGREEMENT, threat(BALLISTIC), reach, NOBODY_SWITCHED)
    assert ranking.rule.request_timeout == timedelta(seconds=15)
    assert ranking.order == ("ee",)
    assert {e.partner_id: e.reason for e in ranking.excluded}["aa"] is Exclusion.OUTSIDE_AREA


def test_without_rules_the_default_rule_applies() -> None:
    """An agreement with no rules asks capable partners with 60 s to answer."""
    ranking = rank_responders(replace(AGREEMENT, rules=()), threat(), {"bb": ON}, NOBODY_SWITCHED)
    assert ranking.rule.name == "default"
    assert ranking.rule.request_timeout == timedelta(seconds=60)
    assert ranking.order == ("bb",)


@pytest.mark.parametrize(
    ("partner", "capability", "available", "expected"),
    [
        ("bb", "air_defence", True, True),
        ("bb", "fighters", False, False),
        ("bb", "interceptors", True, SwitchRefusal.UNKNOWN_CAPABILITY),
        ("zz", "fighters", True, SwitchRefusal.UNKNOWN_CAPABILITY),
    ],
)
def test_partners_switch_only_their_own_declared_capabilities(
    partner: str, capability: str, available: bool, expected: bool | SwitchRefusal
) -> None:
    """A switch names a capability the partner declared, else it is refused."""
    switched = switch_availability(AGREEMENT, Availability(), partner, capability, available)
    if isinstance(expected, SwitchRefusal):
        assert switched is expected
        return
    assert isinstance(switched, Availability)
    declared = next(c for c in AGREEMENT.capabilities_of(partner) if c.name == capability)
    assert switched.of(declared) is expected


def test_a_switched_on_capability_ranks_as_available() -> None:
    """bb's air defence, declared unavailable, counts once bb switches it on."""
    switched = switch_availability(AGREEMENT, Availability(), "bb", "air_defence", True)
    assert isinstance(switched, Availability)
    ranking = rank_responders(AGREEMENT, threat(), {"bb": near(40)}, switched)
    assert ranking.candidates[0].available == ("fighters", "air_defence")

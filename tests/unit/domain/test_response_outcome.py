"""Who is told how a threat's response stands, and who is told the responder's name."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from tests.unit.domain.agreement_samples import AGREEMENT, UAV

from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet
from tanbih.domain.response import Candidate, Ranking, ThreatToMeet
from tanbih.domain.response_assignment import (
    Assignment,
    AssignmentState,
    Step,
    accept,
    open_assignment,
)
from tanbih.domain.response_outcome import response_notices

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
PARTIES = AGREEMENT.parties


def asked(partner: str) -> Assignment:
    """An assignment for t1 that asked ``partner`` first."""
    candidate = Candidate(partner, True, ("fighters",), ("fighters",), 0.0)
    ranking = Ranking(AGREEMENT.rule_for(UAV, Status.ACTUAL), (candidate,), ())
    step = open_assignment("t1", ranking, T0)
    assert isinstance(step, Step)
    return step.assignment


def accepted(partner: str) -> Assignment:
    """An assignment for t1 that ``partner`` accepted."""
    step = accept(asked(partner), partner, T0)
    assert isinstance(step, Step)
    return step.assignment


def bb_reports() -> ThreatToMeet:
    """A UAV reported by bb."""
    return ThreatToMeet(UAV, Status.ACTUAL, frozenset({"bb"}))


def test_the_responder_is_named_to_those_who_may_see_its_news() -> None:
    """Once aa accepts, everyone but cc (aa -> cc is none) learns that aa responds."""
    notices = response_notices(AGREEMENT, bb_reports(), accepted("aa"), PARTIES)
    assert "cc" not in notices
    assert {p: n.responder for p, n in notices.items()} == {p: "aa" for p in PARTIES if p != "cc"}
    assert {n.state for n in notices.values()} == {AssignmentState.ACCEPTED}


def test_a_partner_being_asked_is_named_to_nobody() -> None:
    """While aa is only asked, the notices say a response is requested, naming no one."""
    notices = response_notices(AGREEMENT, bb_reports(), asked("aa"), PARTIES)
    assert {n.responder for n in notices.values()} == {None}
    assert {n.state for n in notices.values()} == {AssignmentState.REQUESTED}


# aa and bb have no direct relations: each hears of the other only through the hub.
NO_RELATIONS = replace(
    AGREEMENT,
    sharing=SharingMatrix(
        SharingSheet.of(Level.FULL, [(("aa", "bb"), Level.VIA_COORDINATOR),
                                     (("bb", "aa"), Level.VIA_COORDINATOR)])
    ),
)  # fmt: skip


@pytest.mark.parametrize(("recipient", "responder"), [("bb", None), ("aa", "aa"), ("hub", "aa")])
def test_via_coordinator_recipients_learn_the_state_but_not_the_responder(
    recipient: str, responder: str | None
) -> None:
    """bb hears from the hub that a partner responds to its threat; aa knows it is aa."""
    notices = response_notices(NO_RELATIONS, bb_reports(), accepted("aa"), [recipient])
    assert notices[recipient].responder == responder
    assert notices[recipient].state is AssignmentState.ACCEPTED

"""The request-to-respond state machine: each move by its rule, each forbidden one by its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from tests.unit.domain.agreement_samples import AGREEMENT

from tanbih.domain.agreement import ResponseRule
from tanbih.domain.response import Candidate, Ranking
from tanbih.domain.response_assignment import (
    Assignment,
    AssignmentState,
    Decision,
    DeclineReason,
    Event,
    Refusal,
    RefusalReason,
    Request,
    Rule,
    Step,
    accept,
    decline,
    open_assignment,
    reassign,
    stand_down,
    time_out,
)

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
TIMEOUT = timedelta(seconds=60)


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def ranking(*order: str) -> Ranking:
    """A ranking asking ``order`` in turn, with 60 s to answer."""
    candidates = tuple(Candidate(p, True, ("fighters",), ("fighters",), 0.0) for p in order)
    return Ranking(ResponseRule("test", TIMEOUT), candidates, ())


def step(decision: Decision) -> Step:
    """The decision, which must be an allowed move."""
    assert isinstance(decision, Step), decision
    return decision


def opened(*order: str) -> Assignment:
    """A fresh assignment for threat t1 over ``order``, opened at T0."""
    return step(open_assignment("t1", ranking(*order), T0)).assignment


def test_the_first_ranked_candidate_is_asked_with_the_rules_timeout() -> None:
    """Opening asks the first candidate, due 60 s later; the rest wait in order."""
    first = step(open_assignment("t1", ranking("bb", "aa", "cc"), T0))
    assert first.rule is Rule.ASK_FIRST_RANKED
    assert first.ask == Request("bb", T0, at(60))
    assert first.assignment.waiting == ("aa", "cc")
    assert first.assignment.history == (Event(Rule.ASK_FIRST_RANKED, T0, asked="bb"),)


def test_no_candidate_means_no_assignment() -> None:
    """With nobody ranked there is nobody to ask: a refusal, not an exception."""
    refusal = open_assignment("t1", ranking(), T0)
    assert isinstance(refusal, Refusal)
    assert refusal.reason is RefusalReason.NO_CANDIDATES


def test_accept_declines_and_timeouts_walk_the_ranking() -> None:
    """B declines, C times out, A accepts: each move names its rule and asks the next."""
    moves: list[Rule] = []
    current = opened("bb", "cc", "aa")
    declined = step(decline(current, "bb", DeclineReason.NO_MEANS_AVAILABLE, at(5), "refuelling"))
    moves.append(declined.rule)
    assert declined.ask == Request("cc", at(5), at(65))
    timed_out = step(time_out(declined.assignment, "cc", at(65)))
    moves.append(timed_out.rule)
    assert timed_out.ask == Request("aa", at(65), at(125))
    accepted = step(accept(timed_out.assignment, "aa", at(70)))
    moves.append(accepted.rule)
    assert moves == [Rule.DECLINED_ASK_NEXT, Rule.TIMED_OUT_ASK_NEXT, Rule.ACCEPTED_BY_ASKED]
    final = accepted.assignment
    assert (final.state, final.responder, final.request) == (AssignmentState.ACCEPTED, "aa", None)
    assert accepted.ask is None
    assert final.history[1:] == (
        Event(Rule.DECLINED_ASK_NEXT, at(5), "bb", "cc", DeclineReason.NO_MEANS_AVAILABLE,
              "refuelling"),
        Event(Rule.TIMED_OUT_ASK_NEXT, at(65), "cc", "aa"),
        Event(Rule.ACCEPTED_BY_ASKED, at(70), "aa"),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("move", "rule"),
    [
        (lambda a: decline(a, "bb", DeclineReason.OUT_OF_RANGE, at(1)), Rule.DECLINED_NONE_LEFT),
        (lambda a: time_out(a, "bb", at(60)), Rule.TIMED_OUT_NONE_LEFT),
    ],
)
def test_when_nobody_is_left_the_threat_is_unassigned(
    move: Callable[[Assignment], Decision], rule: Rule
) -> None:
    """The last candidate declining or timing out leaves the threat unassigned, with no request."""
    moved = step(move(opened("bb")))
    assert moved.rule is rule
    assert moved.assignment.state is AssignmentState.UNASSIGNED
    assert moved.ask is None
    assert moved.assignment.history[-1].rule is rule


@pytest.mark.parametrize(
    ("decision", "reason"),
    [
        (accept(opened("bb", "aa"), "aa", at(1)), RefusalReason.NOT_ASKED),
        (decline(opened("bb", "aa"), "aa", DeclineReason.OTHER, at(1)), RefusalReason.NOT_ASKED),
        (time_out(opened("bb", "aa"), "bb", at(59)), RefusalReason.NOT_YET_DUE),
        (time_out(opened("bb", "aa"), "aa", at(61)), RefusalReason.NOT_ASKED),
        (
            accept(step(accept(opened("bb"), "bb", at(1))).assignment, "bb", at(2)),
            RefusalReason.NOT_AWAITING_ANSWER,
        ),
        (
            time_out(step(accept(opened("bb"), "bb", at(1))).assignment, "bb", at(60)),
            RefusalReason.NOT_AWAITING_ANSWER,
        ),
        (
            stand_down(step(stand_down(opened("bb"), at(1))).assignment, at(2)),
            RefusalReason.STOOD_DOWN,
        ),
    ],
)
def test_answers_out_of_turn_are_refused(decision: Decision, reason: RefusalReason) -> None:
    """Only the partner asked answers, only while asked; a timer fires only when due."""
    assert isinstance(decision, Refusal)
    assert decision.reason is reason


@pytest.mark.parametrize(
    ("by", "partner", "reason"),
    [
        ("bb", "cc", RefusalReason.NOT_COORDINATOR),
        ("hub", "dd", RefusalReason.NON_RESPONDER),
        ("hub", "zz", RefusalReason.NOT_A_PARTY),
        ("hub", "bb", RefusalReason.ALREADY_ASSIGNED),
    ],
)
def test_the_coordinator_alone_reassigns_and_never_to_a_non_responder(
    by: str, partner: str, reason: RefusalReason
) -> None:
    """Only the coordinator overrides; never to a non-responder, a stranger or the same partner."""
    decision = reassign(
        opened("bb", "aa"), AGREEMENT, by=by, coordinator_id="hub", partner_id=partner, now=at(1)
    )
    assert isinstance(decision, Refusal)
    assert decision.reason is reason


def test_the_coordinator_reassigns_an_accepted_threat_and_the_ranking_resumes_after() -> None:
    """Reassigning relieves the responder, asks the chosen partner, then the rest as ranked."""
    accepted = step(accept(opened("bb", "aa", "cc"), "bb", at(1))).assignment
    moved = step(
        reassign(accepted, AGREEMENT, by="hub", coordinator_id="hub", partner_id="cc", now=at(2))
    )
    assert moved.rule is Rule.COORDINATOR_REASSIGNS
    assert moved.ask == Request("cc", at(2), at(62))
    assert moved.assignment.responder is None
    assert moved.assignment.waiting == ("aa",)
    assert moved.assignment.history[-1] == Event(Rule.COORDINATOR_REASSIGNS, at(2), "bb", "cc")
    after = step(decline(moved.assignment, "cc", DeclineReason.NOT_AUTHORISED, at(3)))
    assert after.ask == Request("aa", at(3), at(63))


def test_the_coordinator_can_find_a_responder_once_the_ranking_is_exhausted() -> None:
    """An unassigned threat can still be given to a partner the coordinator chooses."""
    unassigned = step(time_out(opened("bb"), "bb", at(60))).assignment
    moved = step(
        reassign(unassigned, AGREEMENT, by="hub", coordinator_id="hub", partner_id="bb", now=at(61))
    )
    assert moved.assignment.state is AssignmentState.REQUESTED
    assert moved.ask == Request("bb", at(61), at(121))


def test_standing_down_ends_every_request() -> None:
    """A threat that ended stands its assignment down: nobody is asked or waiting any more."""
    down = step(stand_down(opened("bb", "aa"), at(5)))
    assert down.rule is Rule.STAND_DOWN
    assert (down.assignment.state, down.assignment.request) == (AssignmentState.STOOD_DOWN, None)
    assert down.assignment.waiting == ()
    assert down.assignment.history[-1] == Event(Rule.STAND_DOWN, at(5), "bb")
    refusal = reassign(
        down.assignment, AGREEMENT, by="hub", coordinator_id="hub", partner_id="aa", now=at(6)
    )
    assert isinstance(refusal, Refusal)
    assert refusal.reason is RefusalReason.STOOD_DOWN

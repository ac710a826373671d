"""Assigning a responder to a threat: the request-to-respond state machine.

::

    open ──ask_first_ranked──► REQUESTED ──accepted_by_asked──► ACCEPTED
                                │   ▲
     declined_ask_next /        │   │  coordinator_reassigns (from REQUESTED, ACCEPTED or
     timed_out_ask_next ────────┘   │  UNASSIGNED: the coordinator's choice is asked next)
                                │
     declined_none_left /       ▼
     timed_out_none_left ──► UNASSIGNED          any state ──stand_down──► STOOD_DOWN

The ranked candidates (:func:`~tanbih.domain.response.rank_responders`) are asked one at a
time; each request is due ``request_timeout`` after it is sent (the governing rule's), and the
caller stores that due time as a timer. Each transition is named after the rule it applies and
records an :class:`Event` for the audit log; a move the rules forbid is a :class:`Refusal`
with its reason, never an exception.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from tanbih.domain.agreement import Agreement
from tanbih.domain.response import Ranking


class AssignmentState(StrEnum):
    """Where the search for a responder stands."""

    REQUESTED = "requested"
    ACCEPTED = "accepted"
    UNASSIGNED = "unassigned"
    STOOD_DOWN = "stood_down"


class Rule(StrEnum):
    """The rule a transition applied."""

    ASK_FIRST_RANKED = "ask_first_ranked"
    ACCEPTED_BY_ASKED = "accepted_by_asked"
    DECLINED_ASK_NEXT = "declined_ask_next"
    DECLINED_NONE_LEFT = "declined_none_left"
    TIMED_OUT_ASK_NEXT = "timed_out_ask_next"
    TIMED_OUT_NONE_LEFT = "timed_out_none_left"
    COORDINATOR_REASSIGNS = "coordinator_reassigns"
    STAND_DOWN = "stand_down"


class DeclineReason(StrEnum):
    """Why an asked partner declined."""

    NO_MEANS_AVAILABLE = "no_means_available"
    OUT_OF_RANGE = "out_of_range"
    NOT_AUTHORISED = "not_authorised"
    OTHER = "other"


class RefusalReason(StrEnum):
    """The rule a requested move broke."""

    NO_CANDIDATES = "no_candidates"
    NOT_ASKED = "not_asked"
    NOT_AWAITING_ANSWER = "not_awaiting_answer"
    NOT_YET_DUE = "not_yet_due"
    NOT_COORDINATOR = "not_coordinator"
    NOT_A_PARTY = "not_a_party"
    NON_RESPONDER = "non_responder"
    ALREADY_ASSIGNED = "already_assigned"
    STOOD_DOWN = "stood_down"


@dataclass(frozen=True, slots=True)
class Request:
    """A request to respond sent to one partner, due for an answer at ``due_at``."""

    partner_id: str
    requested_at: datetime
    due_at: datetime


@dataclass(frozen=True, slots=True)
class Event:
    """One transition as the audit log records it: the rule, when, and whom it concerned.

    ``partner_id`` is the partner whose answer or silence moved the assignment (for the first
    request and a reassignment, whoever held it before, if anyone); ``asked`` is the partner
    asked as a result; ``reason`` and ``note`` are a decline's.
    """

    rule: Rule
    at: datetime
    partner_id: str | None = None
    asked: str | None = None
    reason: DeclineReason | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Assignment:
    """The search for one threat's responder: who is asked now, who waits, what happened."""

    threat_id: str
    state: AssignmentState
    timeout: timedelta
    waiting: tuple[str, ...]
    request: Request | None = None
    responder: str | None = None
    history: tuple[Event, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    """An allowed move: the rule applied and the assignment after it."""

    rule: Rule
    assignment: Assignment

    @property
    def ask(self) -> Request | None:
        """The request to send now, if this move asked someone."""
        if self.assignment.state is AssignmentState.REQUESTED and self.rule in _ASKING:
            return self.assignment.request
        return None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A move the rules forbid, and why."""

    reason: RefusalReason
    detail: str


Decision = Step | Refusal

_ASKING = frozenset(
    {
        Rule.ASK_FIRST_RANKED,
        Rule.DECLINED_ASK_NEXT,
        Rule.TIMED_OUT_ASK_NEXT,
        Rule.COORDINATOR_REASSIGNS,
    }
)


def open_assignment(threat_id: str, ranking: Ranking, now: datetime) -> Decision:
    """Ask the first ranked candidate; there must be one."""
    if not ranking.candidates:
        return Refusal(RefusalReason.NO_CANDIDATES, f"no partner may respond to {threat_id}")
    first, *rest = ranking.order
    opened = Assignment(threat_id, AssignmentState.REQUESTED, ranking.rule.request_timeout, ())
    event = Event(Rule.ASK_FIRST_RANKED, now, asked=first)
    return Step(Rule.ASK_FIRST_RANKED, _ask(opened, first, tuple(rest), now, event))


def accept(assignment: Assignment, partner_id: str, now: datetime) -> Decision:
    """The asked partner accepts: it is the responder."""
    refusal = _answer_refusal(assignment, partner_id)
    if refusal is not None:
        return refusal
    accepted = replace(
        assignment,
        state=AssignmentState.ACCEPTED,
        request=None,
        responder=partner_id,
        history=(*assignment.history, Event(Rule.ACCEPTED_BY_ASKED, now, partner_id)),
    )
    return Step(Rule.ACCEPTED_BY_ASKED, accepted)


def decline(
    assignment: Assignment,
    partner_id: str,
    reason: DeclineReason,
    now: datetime,
    note: str | None = None,
) -> Decision:
    """The asked partner declines, saying why: the next candidate is asked, if any is left."""
    refusal = _answer_refusal(assignment, partner_id)
    if refusal is not None:
        return refusal
    template = Event(Rule.DECLINED_ASK_NEXT, now, partner_id, reason=reason, note=note)
    return _move_on(assignment, template, Rule.DECLINED_NONE_LEFT, now)


def time_out(assignment: Assignment, partner_id: str, now: datetime) -> Decision:
    """A request's timer fires: if that request is still unanswered and due, ask the next.

    ``partner_id`` is whom the timer was set for; a timer left over from an earlier request
    is refused as ``not_asked``.
    """
    refusal = _answer_refusal(assignment, partner_id)
    if refusal is not None:
        return refusal
    request = assignment.request
    if request is not None and now < request.due_at:
        return Refusal(RefusalReason.NOT_YET_DUE, f"{partner_id}'s answer is due {request.due_at}")
    template = Event(Rule.TIMED_OUT_ASK_NEXT, now, partner_id)
    return _move_on(assignment, template, Rule.TIMED_OUT_NONE_LEFT, now)


def reassign(
    assignment: Assignment,
    agreement: Agreement,
    *,
    by: str,
    coordinator_id: str,
    partner_id: str,
    now: datetime,
) -> Decision:
    """The coordinator overrides the ranking: ``partner_id`` is asked now, whatever came before.

    Only the coordinator may; never a non-responder, nor the partner already asked or assigned.
    If the chosen partner declines or times out, the remaining candidates follow.
    """
    if by != coordinator_id:
        return Refusal(RefusalReason.NOT_COORDINATOR, f"{by} is not the coordinator")
    if assignment.state is AssignmentState.STOOD_DOWN:
        return Refusal(RefusalReason.STOOD_DOWN, f"{assignment.threat_id} was stood down")
    if partner_id not in agreement.parties:
        return Refusal(RefusalReason.NOT_A_PARTY, f"{partner_id} is not party to the agreement")
    if partner_id in agreement.non_responders:
        return Refusal(RefusalReason.NON_RESPONDER, f"{partner_id} never responds")
    holder = _asked(assignment) or assignment.responder
    if partner_id == holder:
        return Refusal(RefusalReason.ALREADY_ASSIGNED, f"{partner_id} already has this threat")
    waiting = tuple(p for p in assignment.waiting if p != partner_id)
    event = Event(Rule.COORDINATOR_REASSIGNS, now, holder, asked=partner_id)
    cleared = replace(assignment, responder=None)
    return Step(Rule.COORDINATOR_REASSIGNS, _ask(cleared, partner_id, waiting, now, event))


def stand_down(assignment: Assignment, now: datetime) -> Decision:
    """The threat ended or no response is needed: nobody is asked any more."""
    if assignment.state is AssignmentState.STOOD_DOWN:
        return Refusal(RefusalReason.STOOD_DOWN, f"{assignment.threat_id} was stood down")
    event = Event(Rule.STAND_DOWN, now, _asked(assignment) or assignment.responder)
    stood_down = replace(
        assignment,
        state=AssignmentState.STOOD_DOWN,
        request=None,
        waiting=(),
        history=(*assignment.history, event),
    )
    return Step(Rule.STAND_DOWN, stood_down)


def _asked(assignment: Assignment) -> str | None:
    return assignment.request.partner_id if assignment.request is not None else None


def _answer_refusal(assignment: Assignment, partner_id: str) -> Refusal | None:
    """Why ``partner_id`` cannot answer now, if it cannot."""
    if assignment.state is not AssignmentState.REQUESTED:
        return Refusal(
            RefusalReason.NOT_AWAITING_ANSWER,
            f"{assignment.threat_id} is {assignment.state}, not awaiting an answer",
        )
    if partner_id != _asked(assignment):
        return Refusal(RefusalReason.NOT_ASKED, f"{partner_id} is not the partner asked")
    return None


def _move_on(assignment: Assignment, template: Event, none_left: Rule, now: datetime) -> Step:
    """After a decline or a timeout (``template``): ask the next waiting candidate, or give
    up under ``none_left``."""
    if not assignment.waiting:
        event = replace(template, rule=none_left)
        unassigned = replace(
            assignment,
            state=AssignmentState.UNASSIGNED,
            request=None,
            history=(*assignment.history, event),
        )
        return Step(none_left, unassigned)
    following, *rest = assignment.waiting
    event = replace(template, asked=following)
    return Step(template.rule, _ask(assignment, following, tuple(rest), now, event))


def _ask(
    assignment: Assignment,
    partner_id: str,
    waiting: tuple[str, ...],
    now: datetime,
    event: Event,
) -> Assignment:
    """``assignment`` with a request sent to ``partner_id``, due ``timeout`` from now."""
    return replace(
        assignment,
        state=AssignmentState.REQUESTED,
        request=Request(partner_id, now, now + assignment.timeout),
        waiting=waiting,
        history=(*assignment.history, event),
    )

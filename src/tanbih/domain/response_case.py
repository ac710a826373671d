"""A threat's response case as the node keeps it: the assignment and what surrounds it.

The assignment (:mod:`tanbih.domain.response_assignment`) says who is asked and who
responds; the case adds what the node needs to carry it on after a restart or in another
worker: the facts of the threat that ranking and notices read (:class:`ThreatToMeet`), the
warning that opened it (its zones and stage are all a partner told ``via_coordinator``
learns), and the request-to-respond message now out, whose escalation an answer stops.
``revision`` counts the saves, so two workers cannot both move the same case on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from tanbih.domain.lifecycle import Stage
from tanbih.domain.response import ThreatToMeet
from tanbih.domain.response_assignment import Assignment, Event, Rule, Step


@dataclass(frozen=True, slots=True)
class Warned:
    """The latest warning of the threat: its message id, the zones it warns and their stage."""

    alert_id: str
    zones: tuple[str, ...]
    stage: Stage


@dataclass(frozen=True, slots=True)
class ResponseCase:
    """One threat's search for a responder, as stored."""

    threat: ThreatToMeet
    assignment: Assignment
    warned: Warned
    opened_at: datetime
    request_thread: str | None = None
    revision: int = 0

    @property
    def threat_id(self) -> str:
        """The threat the case is about."""
        return self.assignment.threat_id

    def moved(self, step: Step, request_thread: str | None) -> ResponseCase:
        """The case after ``step``, with the request now out (``None`` when nobody is asked)."""
        return replace(self, assignment=step.assignment, request_thread=request_thread)


# The audit log's kind for each rule an assignment applied.
AUDIT_KINDS: Mapping[Rule, str] = {
    Rule.ASK_FIRST_RANKED: "response.requested",
    Rule.ACCEPTED_BY_ASKED: "response.accepted",
    Rule.DECLINED_ASK_NEXT: "response.declined",
    Rule.DECLINED_NONE_LEFT: "response.declined",
    Rule.TIMED_OUT_ASK_NEXT: "response.timed_out",
    Rule.TIMED_OUT_NONE_LEFT: "response.timed_out",
    Rule.COORDINATOR_REASSIGNS: "response.overridden",
    Rule.STAND_DOWN: "response.stood_down",
}
AVAILABILITY_CHANGED = "response.availability_changed"
NOTICE_PUBLISHED = "response.notice"


def audit_data(event: Event, case: ResponseCase) -> dict[str, object]:
    """What the audit entry of one transition records: the rule, who, why, the state after."""
    data: dict[str, object] = {
        "rule": event.rule.value,
        "state": case.assignment.state.value,
        "status": case.threat.status.value,
        "threat_class": case.threat.threat_class.value,
    }
    for name, value in (
        ("asked", event.asked),
        ("reason", event.reason.value if event.reason else None),
        ("note", event.note),
        ("responder", case.assignment.responder),
    ):
        if value is not None:
            data[name] = value
    if case.assignment.request is not None:
        data["due_at"] = case.assignment.request.due_at.isoformat()
    return data

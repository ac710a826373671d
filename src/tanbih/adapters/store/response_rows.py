"""Response cases to table rows and back (the assignment's history is JSON in its row)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tanbih.adapters.store.rows import Row
from tanbih.domain.cap import Status
from tanbih.domain.lifecycle import Stage
from tanbih.domain.response import ThreatToMeet
from tanbih.domain.response_assignment import (
    Assignment,
    AssignmentState,
    DeclineReason,
    Event,
    Request,
    Rule,
)
from tanbih.domain.response_case import ResponseCase, Warned
from tanbih.domain.threat import ThreatClass


def case_row(case: ResponseCase) -> dict[str, Any]:
    """The ``response_cases`` row of ``case``."""
    assignment, request = case.assignment, case.assignment.request
    return {
        "threat_id": case.threat_id,
        "status": case.threat.status.value,
        "threat_class": case.threat.threat_class.value,
        "sources": sorted(case.threat.sources),
        "state": assignment.state.value,
        "timeout_seconds": assignment.timeout.total_seconds(),
        "waiting": list(assignment.waiting),
        "asked": request.partner_id if request else None,
        "requested_at": request.requested_at if request else None,
        "due_at": request.due_at if request else None,
        "responder": assignment.responder,
        "history": [_event_json(event) for event in assignment.history],
        "warning_id": case.warned.alert_id,
        "zones": list(case.warned.zones),
        "stage": int(case.warned.stage),
        "request_thread": case.request_thread,
        "opened_at": case.opened_at,
        "revision": case.revision,
    }


def case(row: Row) -> ResponseCase:
    """The response case a ``response_cases`` row holds."""
    request = None
    if row["asked"] is not None:
        request = Request(row["asked"], row["requested_at"], row["due_at"])
    assignment = Assignment(
        threat_id=row["threat_id"],
        state=AssignmentState(row["state"]),
        timeout=timedelta(seconds=row["timeout_seconds"]),
        waiting=tuple(row["waiting"]),
        request=request,
        responder=row["responder"],
        history=tuple(_event(item) for item in row["history"]),
    )
    threat = ThreatToMeet(
        ThreatClass(row["threat_class"]), Status(row["status"]), frozenset(row["sources"])
    )
    warned = Warned(row["warning_id"], tuple(row["zones"]), Stage(row["stage"]))
    return ResponseCase(
        threat, assignment, warned, row["opened_at"], row["request_thread"], row["revision"]
    )


def _event_json(event: Event) -> dict[str, Any]:
    return {
        "rule": event.rule.value,
        "at": event.at.isoformat(),
        "partner_id": event.partner_id,
        "asked": event.asked,
        "reason": event.reason.value if event.reason else None,
        "note": event.note,
    }


def _event(item: dict[str, Any]) -> Event:
    reason = item.get("reason")
    return Event(
        rule=Rule(item["rule"]),
        at=datetime.fromisoformat(item["at"]),
        partner_id=item.get("partner_id"),
        asked=item.get("asked"),
        reason=DeclineReason(reason) if reason else None,
        note=item.get("note"),
    )

"""The partners' answers to requests to respond, in a headless run: the asked partner's duty
officer accepts (or declines, if the scenario says so) after the same time it takes them to
acknowledge a warning; one who never answers lets the request time out to the next.
Capabilities are switched on and off when the scenario says, by their partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.response_assignment import DeclineReason
from tanbih.exercise.people import DutyOfficers
from tanbih.exercise.record import CaseRecord, InjectRecord, RunRecord
from tanbih.exercise.schema import ActionEntry
from tanbih.node import Node


@dataclass(frozen=True, slots=True)
class CapabilityInject:
    """A partner switching one of its capabilities on or off."""

    at_s: float
    partner_id: str
    capability: str
    available: bool


def capability_injects(actions: list[ActionEntry]) -> list[CapabilityInject]:
    """The scenario's capability switches, in order."""
    return sorted(
        (
            CapabilityInject(a.at, a.partner, a.capability, bool(a.available))
            for a in actions
            if a.capability is not None
        ),
        key=lambda c: c.at_s,
    )


class ResponseDesk:
    """Answers requests to respond as the scenario's partners would."""

    def __init__(self, people: DutyOfficers, actions: list[ActionEntry], start: datetime) -> None:
        self._people = people
        self._actions = actions
        self._start = start
        self._answered: set[tuple[str, str, datetime]] = set()

    def _declines(self, partner_id: str, at: datetime) -> bool:
        t = (at - self._start).total_seconds()
        return any(a.declines and a.partner == partner_id and a.at <= t for a in self._actions)

    async def answer(self, node: Node, record: RunRecord) -> datetime | None:
        """Answer every request whose time has come; the next moment one will be due."""
        now = node.clock.now()
        upcoming: list[datetime] = []
        for case in await node.responder.cases(open_only=True):
            request = case.assignment.request
            if request is None:
                continue
            upcoming.append(request.due_at)
            key = (case.threat_id, request.partner_id, request.requested_at)
            wait = self._people.answer_after(request.partner_id, request.requested_at)
            if key in self._answered or wait is None:
                continue
            due = request.requested_at + timedelta(seconds=wait)
            if due > now:
                upcoming.append(due)
                continue
            self._answered.add(key)
            if self._declines(request.partner_id, now):
                await node.responder.decline(
                    case.threat_id,
                    request.partner_id,
                    DeclineReason.NO_MEANS_AVAILABLE,
                    "exercise: the scenario's partner declines",
                )
                what = "declines to respond"
            else:
                await node.responder.accept(case.threat_id, request.partner_id)
                what = "accepts to respond"
            record.injects.append(InjectRecord(now, "response", request.partner_id, what))
        await node.responder.time_out_due(node.clock.now())
        return min(upcoming, default=None)

    async def switch(self, node: Node, inject: CapabilityInject, record: RunRecord) -> None:
        """Switch a capability as its partner does."""
        await node.responder.switch(
            inject.partner_id, inject.capability, inject.available, by=inject.partner_id
        )
        state = "available" if inject.available else "unavailable"
        record.injects.append(
            InjectRecord(
                node.clock.now(), "capability", inject.partner_id, f"{inject.capability} {state}"
            )
        )


async def case_records(node: Node) -> list[CaseRecord]:
    """Every response case the run opened, with its history."""
    found: list[CaseRecord] = []
    for case in await node.responder.cases():
        assignment = case.assignment
        found.append(
            CaseRecord(
                threat_id=case.threat_id,
                opened_at=case.opened_at,
                state=assignment.state.value,
                responder=assignment.responder,
                history=tuple(
                    (e.rule.value, e.at, e.partner_id, e.asked) for e in assignment.history
                ),
            )
        )
    return found

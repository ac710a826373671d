"""The respond stage: for each threat warned of, find the partner whose forces respond.

::

    warning issued ─► rank candidates (area on the path, capability, availability, distance)
        ─► request to the first (CAP to its people, its escalation) ─► accept ─► responder
                                   ▲            decline (reason) / timeout │
                                   └── next candidate ◄────────────────────┘
    coordinator: reassign at any time          threat ended: stand down
    outcome (accepted, unassigned, stood down) ─► each partner's console, as the matrix allows

Each move is decided by :mod:`tanbih.domain.response_assignment` and stored with its audit
entries in one transaction (:class:`~tanbih.ports.ResponseStore`); the request's due time is
the stored timer this stage's loop watches. Candidates are ranked by
:mod:`tanbih.pipeline.response_candidates`; the entries and console events are built by
:mod:`tanbih.pipeline.response_records`. Outcomes are logged as console events and handed
to ``tell`` (the console hub). Only the node's own warnings (the assessor's)
open a case: they carry the threat the rules rank responders for.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from types import MappingProxyType

import structlog

from tanbih import cap
from tanbih.domain.agreement import Agreement, Capability
from tanbih.domain.cap import Alert, MsgType
from tanbih.domain.coalition import Coalition
from tanbih.domain.fusion import Threat
from tanbih.domain.lifecycle import Stage, stage_of, thread_id_of
from tanbih.domain.records import Event, alert_id
from tanbih.domain.response import Availability, SwitchRefusal, switch_availability
from tanbih.domain.response_assignment import (
    Assignment,
    AssignmentState,
    Decision,
    DeclineReason,
    Refusal,
    RefusalReason,
    Step,
    accept,
    decline,
    open_assignment,
    reassign,
    stand_down,
    time_out,
)
from tanbih.domain.response_case import ResponseCase
from tanbih.domain.response_outcome import response_notices
from tanbih.domain.response_request import is_request
from tanbih.errors import StoreError
from tanbih.pipeline.request_to_respond import SendRequest
from tanbih.pipeline.response_candidates import ResponseCandidates, threat_to_meet
from tanbih.pipeline.response_records import (
    availability_entry,
    notice_entry,
    opening_entries,
    transition_entries,
    unassigned_entry,
    warned_of,
)
from tanbih.pipeline.tracked_threat import TrackedThreat
from tanbih.ports import Clock, RespondStore

_log = structlog.get_logger("tanbih.respond")
# Due requests are found in the store; between wake-ups one waits at most this long.
POLL_SECONDS = 1.0
_TOLD = frozenset(
    {AssignmentState.ACCEPTED, AssignmentState.UNASSIGNED, AssignmentState.STOOD_DOWN}
)
NO_AGREEMENT = Agreement(version="none", title="no agreement", parties=())


@dataclass(frozen=True, slots=True)
class NoCase:
    """No response case exists for the threat named."""

    threat_id: str


Moved = ResponseCase | Refusal | NoCase
ThreatOf = Callable[[str], TrackedThreat | None]


@dataclass(frozen=True, slots=True)
class CapabilityState:
    """A declared capability and whether it is available now."""

    capability: Capability
    available: bool


class Responder:
    """Opens response cases for warned threats and moves them on, one move at a time."""

    def __init__(
        self,
        store: RespondStore,
        coalition: Coalition,
        clock: Clock,
        *,
        threats: ThreatOf,
        requests: SendRequest,
        tell: Callable[[Event], None],
    ) -> None:
        self._store = store
        self._coalition = coalition
        self._agreement = coalition.agreement or NO_AGREEMENT
        self._clock = clock
        self._threats = threats
        self._requests = requests
        self._tell = tell
        self._candidates = ResponseCandidates(self._agreement)
        self._warnings: asyncio.Queue[Alert] = asyncio.Queue()
        # One move at a time in this process; the stored revision guards across processes.
        self._lock = asyncio.Lock()

    @property
    def agreement(self) -> Agreement:
        """The agreement whose rules the stage applies."""
        return self._agreement

    def warned(self, alert: Alert) -> None:
        """Hear of a warning the node issued (the assessor's publish hook); handled by ``run``."""
        self._warnings.put_nowait(alert)

    async def run(self, stop: asyncio.Event) -> None:
        """Handle warnings as they come, and requests as they fall due, until ``stop``."""
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                first = await asyncio.wait_for(self._warnings.get(), POLL_SECONDS)
                await self._considered(first)
                while not self._warnings.empty():
                    await self._considered(self._warnings.get_nowait())
            try:
                await self.time_out_due(self._clock.now())
            except StoreError:
                _log.exception("respond_store_failed")
                await asyncio.sleep(POLL_SECONDS)

    async def _considered(self, alert: Alert) -> None:
        # One warning that cannot be handled must not stop the stage for every other threat;
        # the threat's next warning tries again.
        try:
            await self.consider(alert)
        except Exception:
            _log.exception("respond_failed", identifier=alert.identifier)

    async def consider(self, alert: Alert) -> ResponseCase | None:
        """Open a case for the warned threat, keep its warning current, or stand it down."""
        threat_id = alert.incidents
        if not threat_id or is_request(alert):
            return None
        async with self._lock:
            now = self._clock.now()
            tracked = self._threats(threat_id)
            case = await self._store.case(threat_id)
            ended = (
                tracked is None
                or not tracked.threat.is_live
                or alert.msg_type is MsgType.CANCEL
                or stage_of(alert) is Stage.ALL_CLEAR
            )
            if case is None:
                if ended or tracked is None:
                    return None
                return await self._open(tracked.threat, alert, now)
            if ended and case.assignment.state is not AssignmentState.STOOD_DOWN:
                moved = await self._apply(case, stand_down(case.assignment, now), now)
                return moved if isinstance(moved, ResponseCase) else None
            warned = warned_of(alert)
            # Saved only when what partners are told changes (zones, stage): requests read the
            # latest warning of the thread anyway.
            if (warned.zones, warned.stage) != (case.warned.zones, case.warned.stage):
                current = ResponseCase(
                    case.threat,
                    case.assignment,
                    warned,
                    case.opened_at,
                    case.request_thread,
                    case.revision,
                )
                return await self._store.save_case(current, ())
            return case

    async def case(self, threat_id: str) -> ResponseCase | None:
        """One threat's case, if it has one."""
        return await self._store.case(threat_id)

    async def cases(self, *, open_only: bool = False) -> list[ResponseCase]:
        """The cases, newest first; ``open_only``: those awaiting an answer."""
        return await self._store.cases(open_only=open_only)

    async def accept(self, threat_id: str, partner_id: str) -> Moved:
        """``partner_id`` accepts the request it was sent."""
        return await self._move(threat_id, lambda a, now: accept(a, partner_id, now))

    async def decline(
        self, threat_id: str, partner_id: str, reason: DeclineReason, note: str | None
    ) -> Moved:
        """``partner_id`` declines the request it was sent, saying why."""
        return await self._move(threat_id, lambda a, now: decline(a, partner_id, reason, now, note))

    async def reassign(self, threat_id: str, by: str, partner_id: str) -> Moved:
        """The coordinator (``by``) asks ``partner_id`` instead, whatever the ranking said."""
        coordinator = self._coalition.coordinator
        coordinator_id = coordinator.id if coordinator is not None else ""
        return await self._move(
            threat_id,
            lambda a, now: reassign(
                a,
                self._agreement,
                by=by,
                coordinator_id=coordinator_id,
                partner_id=partner_id,
                now=now,
            ),
        )

    async def time_out_due(self, now: datetime) -> int:
        """Move on every case whose request went unanswered past its due time; how many."""
        moved = 0
        for case in await self._store.due_cases(now):
            request = case.assignment.request
            if request is None:
                continue
            outcome = await self._move(case.threat_id, partial(_time_out, request.partner_id))
            moved += isinstance(outcome, ResponseCase)
        return moved

    async def capabilities(self, partner_id: str | None = None) -> list[CapabilityState]:
        """The declared capabilities (of one partner, or all) and whether each is available."""
        availability = await self._availability()
        return [
            CapabilityState(c, availability.of(c))
            for c in self._agreement.capabilities
            if partner_id is None or c.partner_id == partner_id
        ]

    async def switch(
        self, partner_id: str, capability: str, available: bool, by: str
    ) -> CapabilityState | SwitchRefusal:
        """Switch one of ``partner_id``'s capabilities on or off (``by`` whom), audited."""
        async with self._lock:
            switched = switch_availability(
                self._agreement, await self._availability(), partner_id, capability, available
            )
            if isinstance(switched, SwitchRefusal):
                return switched
            now = self._clock.now()
            audit = availability_entry(partner_id, capability, available, by, now)
            await self._store.switch_capability(
                partner_id, capability, available, at=now, by=by, audit=audit
            )
        declared = next(
            c for c in self._agreement.capabilities_of(partner_id) if c.name == capability
        )
        return CapabilityState(declared, available)

    async def _open(self, threat: Threat, warning: Alert, now: datetime) -> ResponseCase | None:
        ranking = self._candidates.ranking(threat, await self._availability(), now)
        to_meet = threat_to_meet(threat)
        warned = warned_of(warning)
        decision = open_assignment(threat.id, ranking, now)
        if isinstance(decision, Refusal):
            nobody = Assignment(
                threat.id, AssignmentState.UNASSIGNED, ranking.rule.request_timeout, ()
            )
            case = ResponseCase(to_meet, nobody, warned, now)
            nobody_audit = unassigned_entry(threat.id, decision, ranking, now)
            if await self._store.open_case(case, [nobody_audit]):
                await self._publish(case, now)
            return case
        request = self._request(decision, warning, now)
        case = ResponseCase(to_meet, decision.assignment, warned, now, thread_id_of(request.key))
        audit = opening_entries(case, ranking)
        if not await self._store.open_case(case, audit):
            return await self._store.case(threat.id)
        await self._requests.send(request)
        return case

    async def _move(
        self, threat_id: str, decide: Callable[[Assignment, datetime], Decision]
    ) -> Moved:
        async with self._lock:
            case = await self._store.case(threat_id)
            if case is None:
                return NoCase(threat_id)
            now = self._clock.now()
            return await self._apply(case, decide(case.assignment, now), now)

    async def _apply(self, case: ResponseCase, decision: Decision, now: datetime) -> Moved:
        if isinstance(decision, Refusal):
            return decision
        request = None
        if decision.ask is not None:
            warning = await self._warning(case)
            request = self._request(decision, warning, now)
        moved = case.moved(decision, None if request is None else thread_id_of(request.key))
        audit = transition_entries(moved, decision.assignment, len(case.assignment.history))
        saved = await self._store.save_case(moved, audit)
        if saved is None:
            return Refusal(
                RefusalReason.NOT_AWAITING_ANSWER,
                f"{case.threat_id} was moved on meanwhile; read it again",
            )
        await self._requests.withdraw(case.request_thread, now)
        if request is not None:
            await self._requests.send(request)
        if saved.assignment.state in _TOLD:
            await self._publish(saved, now)
        return saved

    def _request(self, step: Step, warning: Alert, now: datetime) -> Alert:
        ask = step.assignment.request
        if ask is None:
            raise ValueError("a step that asks has a request")
        number = sum(1 for event in step.assignment.history if event.asked is not None)
        return self._requests.message(
            warning,
            threat_id=step.assignment.threat_id,
            partner_id=ask.partner_id,
            number=number,
            due_at=ask.due_at,
            now=now,
        )

    async def _publish(self, case: ResponseCase, now: datetime) -> None:
        """Tell each partner the outcome as far as the matrix lets it know (audited)."""
        recipients = [partner.id for partner in self._coalition.partners]
        notices = response_notices(self._agreement, case.threat, case.assignment, recipients)
        for recipient, notice in notices.items():
            event = notice_entry(case, recipient, notice, now)
            self._tell(await self._store.append_event(event))

    async def _warning(self, case: ResponseCase) -> Alert:
        """The latest message of the threat's warning thread."""
        record = await self._store.get(case.warned.alert_id)
        if record is not None:
            thread = (await self._store.threads([record.thread_id])).get(record.thread_id)
            if thread is not None:
                latest = alert_id(thread.latest.sender, thread.latest.identifier)
                record = await self._store.get(latest) if latest != record.id else record
        if record is None:
            raise StoreError(f"warning {case.warned.alert_id} of {case.threat_id} is not stored")
        return cap.parse_stored(record.xml)

    async def _availability(self) -> Availability:
        return Availability(MappingProxyType(await self._store.availability()))


def _time_out(partner_id: str, assignment: Assignment, now: datetime) -> Decision:
    return time_out(assignment, partner_id, now)

"""Response cases and capability availability in memory, for fast tests (the SQL contract)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime

from tanbih.domain.records import Event
from tanbih.domain.response_assignment import AssignmentState
from tanbih.domain.response_case import ResponseCase


class MemoryResponses:
    """Keeps cases by threat and switches by (partner, capability); ``log`` appends audit
    entries to the store's chain in the same (synchronous, so atomic) step."""

    def __init__(self, log: Callable[[Sequence[Event]], None]) -> None:
        self._log_audit = log
        self._cases: dict[str, ResponseCase] = {}
        self._switched: dict[tuple[str, str], bool] = {}

    async def open_case(self, case: ResponseCase, audit: Sequence[Event]) -> bool:
        """Store a new case; ``False`` (nothing written) if the threat already has one."""
        if case.threat_id in self._cases:
            return False
        self._log_audit(audit)
        self._cases[case.threat_id] = case
        return True

    async def save_case(self, case: ResponseCase, audit: Sequence[Event]) -> ResponseCase | None:
        """Save ``case`` over the revision it was read at; ``None`` if it moved on meanwhile."""
        stored = self._cases.get(case.threat_id)
        if stored is None or stored.revision != case.revision:
            return None
        self._log_audit(audit)
        saved = replace(case, revision=case.revision + 1)
        self._cases[case.threat_id] = saved
        return saved

    async def case(self, threat_id: str) -> ResponseCase | None:
        """One threat's case, if it has one."""
        return self._cases.get(threat_id)

    async def cases(self, *, open_only: bool = False, limit: int = 200) -> list[ResponseCase]:
        """Cases, newest first; ``open_only``: those awaiting an answer."""
        found = [c for c in self._cases.values() if not open_only or _awaiting(c)]
        found.sort(key=lambda c: c.threat_id)
        found.sort(key=lambda c: c.opened_at, reverse=True)
        return found[:limit]

    async def due_cases(self, now: datetime, limit: int = 100) -> list[ResponseCase]:
        """Cases whose request is unanswered at its due time, earliest due first."""
        due = [c for c in self._cases.values() if _awaiting(c) and _due_at(c, now) <= now]
        due.sort(key=lambda c: (_due_at(c, now), c.threat_id))
        return due[:limit]

    async def availability(self) -> dict[tuple[str, str], bool]:
        """Capabilities switched at run time: (partner id, capability) to available."""
        return dict(self._switched)

    async def switch_capability(
        self,
        partner_id: str,
        capability: str,
        available: bool,
        *,
        at: datetime,
        by: str,
        audit: Event,
    ) -> None:
        """Record a capability switched on or off, with its audit entry."""
        self._log_audit([audit])
        self._switched[(partner_id, capability)] = available


def _awaiting(case: ResponseCase) -> bool:
    return case.assignment.state is AssignmentState.REQUESTED


def _due_at(case: ResponseCase, otherwise: datetime) -> datetime:
    request = case.assignment.request
    return otherwise if request is None else request.due_at

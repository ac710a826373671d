"""The response half of the SQL store: response cases and capabilities switched at run time.

Every change is written with its audit entries in one transaction, so the chain holds exactly
the decisions the tables show. A save names the revision it read: when another worker moved
the case on first, the save writes nothing and says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update

from tanbih.adapters.store import response_rows
from tanbih.adapters.store.schema import capability_availability, response_cases
from tanbih.adapters.store.sql_audit import append_chained
from tanbih.adapters.store.transactions import SqlTransactions, insert_new
from tanbih.domain.records import Event
from tanbih.domain.response_assignment import AssignmentState
from tanbih.domain.response_case import ResponseCase


class SqlResponses(SqlTransactions):
    """Response cases and capability availability; a part of ``SqlStore``."""

    async def open_case(self, case: ResponseCase, audit: Sequence[Event]) -> bool:
        """Store a new case and its audit entries; ``False`` (nothing written) if the threat
        already has one."""
        async with self._writing() as conn:
            result = await conn.execute(
                insert_new(conn, response_cases).returning(response_cases.c.threat_id),
                response_rows.case_row(case),
            )
            if result.first() is None:
                return False
            await append_chained(conn, audit)
        return True

    async def save_case(self, case: ResponseCase, audit: Sequence[Event]) -> ResponseCase | None:
        """Save ``case`` over the revision it was read at, with its audit entries; the case as
        saved (next revision), or ``None`` if it moved on meanwhile (nothing written)."""
        saved = ResponseCase(
            case.threat,
            case.assignment,
            case.warned,
            case.opened_at,
            case.request_thread,
            case.revision + 1,
        )
        async with self._writing() as conn:
            result = await conn.execute(
                update(response_cases)
                .where(
                    response_cases.c.threat_id == case.threat_id,
                    response_cases.c.revision == case.revision,
                )
                .values(response_rows.case_row(saved))
            )
            if result.rowcount != 1:
                return None
            await append_chained(conn, audit)
        return saved

    async def case(self, threat_id: str) -> ResponseCase | None:
        """One threat's case, if it has one."""
        statement = select(response_cases).where(response_cases.c.threat_id == threat_id)
        async with self._reading() as conn:
            row = (await conn.execute(statement)).mappings().one_or_none()
        return None if row is None else response_rows.case(row)

    async def cases(self, *, open_only: bool = False, limit: int = 200) -> list[ResponseCase]:
        """Cases, newest first; ``open_only``: those still awaiting an answer."""
        statement = (
            select(response_cases)
            .order_by(response_cases.c.opened_at.desc(), response_cases.c.threat_id)
            .limit(limit)
        )
        if open_only:
            statement = statement.where(response_cases.c.state == AssignmentState.REQUESTED.value)
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [response_rows.case(row) for row in result.mappings()]

    async def due_cases(self, now: datetime, limit: int = 100) -> list[ResponseCase]:
        """Cases whose request is unanswered at its due time, earliest due first."""
        statement = (
            select(response_cases)
            .where(
                response_cases.c.state == AssignmentState.REQUESTED.value,
                response_cases.c.due_at <= now,
            )
            .order_by(response_cases.c.due_at, response_cases.c.threat_id)
            .limit(limit)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [response_rows.case(row) for row in result.mappings()]

    async def availability(self) -> dict[tuple[str, str], bool]:
        """Capabilities switched at run time: (partner id, capability) to available."""
        async with self._reading() as conn:
            result = await conn.execute(select(capability_availability))
            return {(row.partner_id, row.capability): bool(row.available) for row in result}

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
        values = {"available": available, "changed_at": at, "changed_by": by}
        key = (
            capability_availability.c.partner_id == partner_id,
            capability_availability.c.capability == capability,
        )
        async with self._writing() as conn:
            result = await conn.execute(update(capability_availability).where(*key).values(values))
            if result.rowcount == 0:
                await conn.execute(
                    insert(capability_availability).values(
                        partner_id=partner_id, capability=capability, **values
                    )
                )
            await append_chained(conn, [audit])

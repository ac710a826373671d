"""The escalation half of the SQL store: acknowledgements, timers, one-time tokens, reply codes.

"First acknowledgement wins" and "a token is spent once" are unique keys in the database, so
they hold across worker processes: the insert skips on conflict and the stored row is the
answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select, update

from tanbih.adapters.store import outbox_rows
from tanbih.adapters.store.outbox_writes import add_notifications, save_timers
from tanbih.adapters.store.schema import (
    acknowledgements,
    escalation_timers,
    reply_codes,
    used_tokens,
)
from tanbih.adapters.store.transactions import SqlTransactions, insert_new
from tanbih.domain.notification import Acknowledgement, EscalationTimer, Notification


class SqlEscalation(SqlTransactions):
    """Acknowledgements and escalation state; a part of ``SqlStore``."""

    async def acknowledge(self, ack: Acknowledgement) -> Acknowledgement:
        """Store the partner's first acknowledgement of the event and mark its timer; the first."""
        first = select(acknowledgements).where(
            acknowledgements.c.thread_id == ack.thread_id,
            acknowledgements.c.partner_id == ack.partner_id,
        )
        async with self._writing() as conn:
            await conn.execute(
                insert_new(conn, acknowledgements), outbox_rows.acknowledgement_row(ack)
            )
            stored = outbox_rows.acknowledgement((await conn.execute(first)).mappings().one())
            await conn.execute(
                update(escalation_timers)
                .where(
                    escalation_timers.c.thread_id == ack.thread_id,
                    escalation_timers.c.partner_id == ack.partner_id,
                    escalation_timers.c.acknowledged_at.is_(None),
                )
                .values(acknowledged_at=stored.at)
            )
        return stored

    async def acknowledgements(self, thread_id: str) -> list[Acknowledgement]:
        """The acknowledgements of one event, earliest first."""
        statement = (
            select(acknowledgements)
            .where(acknowledgements.c.thread_id == thread_id)
            .order_by(acknowledgements.c.at, acknowledgements.c.partner_id)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [outbox_rows.acknowledgement(row) for row in result.mappings()]

    async def timers(self, thread_id: str) -> list[EscalationTimer]:
        """The escalation timers of one event, by partner."""
        statement = (
            select(escalation_timers)
            .where(escalation_timers.c.thread_id == thread_id)
            .order_by(escalation_timers.c.partner_id)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [outbox_rows.timer(row) for row in result.mappings()]

    async def due_timers(self, now: datetime, limit: int = 100) -> list[EscalationTimer]:
        """Running timers (not acknowledged, not stopped) due by ``now``, earliest first."""
        statement = (
            select(escalation_timers)
            .where(
                escalation_timers.c.next_due_at <= now,
                escalation_timers.c.acknowledged_at.is_(None),
                escalation_timers.c.stopped_at.is_(None),
            )
            .order_by(
                escalation_timers.c.next_due_at,
                escalation_timers.c.thread_id,
                escalation_timers.c.partner_id,
            )
            .limit(limit)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [outbox_rows.timer(row) for row in result.mappings()]

    async def save_timers(
        self, timers: Sequence[EscalationTimer], notifications: Sequence[Notification] = ()
    ) -> list[str]:
        """Advance timers and enqueue the step's notifications, in one transaction."""
        async with self._writing() as conn:
            await save_timers(conn, timers)
            return await add_notifications(conn, notifications, skip_quiet=True)

    async def stop_timers(self, thread_id: str, now: datetime) -> None:
        """Stop every running escalation of an event (a Cancel, an all clear)."""
        async with self._writing() as conn:
            await conn.execute(
                update(escalation_timers)
                .where(
                    escalation_timers.c.thread_id == thread_id,
                    escalation_timers.c.stopped_at.is_(None),
                )
                .values(stopped_at=now)
            )

    async def use_token(self, digest: str, now: datetime) -> bool:
        """Spend a one-time token by its digest: ``False`` if it was spent before."""
        async with self._writing() as conn:
            result = await conn.execute(
                insert_new(conn, used_tokens).returning(used_tokens.c.digest),
                {"digest": digest, "used_at": now},
            )
            return result.first() is not None

    async def save_reply_code(
        self, code: str, partner_id: str, key: str, expires_at: datetime, *, now: datetime
    ) -> bool:
        """Let ``code`` from ``partner_id`` stand for notification ``key`` until ``expires_at``."""
        row = {
            "partner_id": partner_id,
            "code": code,
            "notification_key": key,
            "expires_at": expires_at,
        }
        async with self._writing() as conn:
            # An expired holder gives the code up; a live one for another key keeps it.
            await conn.execute(
                delete(reply_codes).where(
                    reply_codes.c.partner_id == partner_id,
                    reply_codes.c.code == code,
                    (reply_codes.c.expires_at <= now) | (reply_codes.c.notification_key == key),
                )
            )
            result = await conn.execute(
                insert_new(conn, reply_codes).returning(reply_codes.c.code),
                row,
            )
            return result.first() is not None

    async def reply_code(self, code: str, partner_id: str, now: datetime) -> str | None:
        """The notification key a reply code stands for, unless unknown or expired."""
        statement = select(reply_codes.c.notification_key).where(
            reply_codes.c.partner_id == partner_id,
            reply_codes.c.code == code,
            reply_codes.c.expires_at > now,
        )
        async with self._reading() as conn:
            return (await conn.execute(statement)).scalar_one_or_none()

"""The SQL store: one code path over SQLite (embedded) and PostgreSQL (scale-out).

``SqlStore`` is the ``AlertStore`` (this module) joined with the ``OutboxStore``, whose methods
live in ``sql_outbox`` (notifications, delivery log) and ``sql_escalation`` (acknowledgements,
timers, tokens, reply codes), and with the ``ResponseStore`` in ``sql_responses`` (response
cases, capabilities switched). Every method runs in one transaction (``transactions``). The
event log is the audit chain: each write to it goes through ``sql_audit.append_chained``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import ColumnElement, bindparam, select
from sqlalchemy.exc import IntegrityError

from tanbih.adapters.store import rows
from tanbih.adapters.store.coalition_sync import sync_coalition
from tanbih.adapters.store.engine import create_engine
from tanbih.adapters.store.migrate import upgrade
from tanbih.adapters.store.outbox_writes import add_notifications, save_timers
from tanbih.adapters.store.record_statements import INSERT_ALERT, already_stored, save_thread
from tanbih.adapters.store.schema import alerts, events, partners, threads, zones
from tanbih.adapters.store.sql_audit import SqlAudit, append_chained
from tanbih.adapters.store.sql_escalation import SqlEscalation
from tanbih.adapters.store.sql_observations import SqlObservations
from tanbih.adapters.store.sql_outbox import SqlOutbox
from tanbih.adapters.store.sql_relays import SqlRelays
from tanbih.adapters.store.sql_responses import SqlResponses
from tanbih.adapters.store.sqlite_record import record_on_sqlite
from tanbih.adapters.store.transactions import insert_new, written_by
from tanbih.domain.coalition import Coalition, Partner, Zone
from tanbih.domain.lifecycle import KnownMessage, Thread, Transition
from tanbih.domain.notification import EscalationTimer, Handover, Notification
from tanbih.domain.records import AlertQuery, AlertRecord, Event, alert_id

# The accept path's statements, built once: building one costs more than SQLite running it.
_KNOWN = select(alerts).where(alerts.c.id.in_(bindparam("ids", expanding=True)))
_THREADS = select(threads).where(threads.c.id.in_(bindparam("ids", expanding=True)))


async def open_store(url: str, *, migrate: bool = True) -> SqlStore:
    """A store on the database at ``url``, first migrated to the newest schema if ``migrate``."""
    if migrate:
        await upgrade(url)
    return SqlStore(create_engine(url))


class SqlStore(SqlOutbox, SqlEscalation, SqlObservations, SqlAudit, SqlResponses, SqlRelays):
    """``AlertStore``, ``OutboxStore`` and ``ResponseStore`` over SQLAlchemy Core; build it with
    ``open_store``."""

    async def known(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], KnownMessage]:
        """Stored messages by (sender, identifier), for the keys that exist."""
        ids = {alert_id(sender, identifier) for sender, identifier in keys}
        if not ids:
            return {}
        async with self._reading() as conn:
            result = await conn.execute(_KNOWN, {"ids": list(ids)})
            found = [rows.known_message(row) for row in result.mappings()]
        return {(m.key.sender, m.key.identifier): m for m in found}

    async def threads(self, thread_ids: Iterable[str]) -> dict[str, Thread]:
        """Stored threads by id, for the ids that exist."""
        wanted = set(thread_ids)
        if not wanted:
            return {}
        async with self._reading() as conn:
            result = await conn.execute(_THREADS, {"ids": list(wanted)})
            return {row["id"]: rows.thread(row) for row in result.mappings()}

    async def record(
        self,
        record: AlertRecord,
        transition: Transition,
        event: Event,
        *,
        notifications: Sequence[Notification] = (),
        timers: Sequence[EscalationTimer] = (),
        handover: Handover | None = None,
        audit: Sequence[Event] = (),
    ) -> None:
        """Store an accepted message, its thread, its event (then ``audit``), its
        notifications and its escalation timers, in one transaction (the outbox); the
        ``handover``'s notifications are written claimed by its worker.

        Raises ``StoreConflictError`` if the (sender, identifier) is already stored; then
        nothing is written.
        """
        if self._sqlite_writer is not None:
            async with self._writing_on_sqlite(self._sqlite_writer) as driver:
                await record_on_sqlite(
                    driver,
                    self._engine.dialect,
                    record,
                    transition,
                    event,
                    notifications,
                    timers,
                    handover,
                    audit,
                )
            return
        async with self._writing() as conn:
            await save_thread(written_by(conn), transition, insert_new(conn, threads))
            try:
                await conn.execute(INSERT_ALERT, rows.alert_row(record))
            except IntegrityError as exc:
                raise already_stored(record) from exc
            await save_timers(conn, timers)
            await add_notifications(
                conn, notifications, handover=handover, threads={record.id: record.thread_id}
            )
            # Last: the chain's lock is then held only until the commit.
            await append_chained(conn, [event, *audit])

    async def get(self, alert_id: str) -> AlertRecord | None:
        """One stored message by its API id."""
        async with self._reading() as conn:
            result = await conn.execute(select(alerts).where(alerts.c.id == alert_id))
            row = result.mappings().one_or_none()
        return None if row is None else rows.alert_record(row)

    async def search(self, query: AlertQuery) -> list[AlertRecord]:
        """Stored messages matching ``query``, newest ``sent`` first (``sent_after`` is strict)."""
        statement = (
            select(alerts)
            .where(*_filters(query))
            .order_by(alerts.c.sent_utc.desc(), alerts.c.id.desc())
            .limit(query.limit)
            .offset(query.offset)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [rows.alert_record(row) for row in result.mappings()]

    async def append_event(self, event: Event) -> Event:
        """Append to the event log, chained; returns the event as stored (JSON data), with its
        ``seq``.
        """
        async with self._writing() as conn:
            (entry,) = await append_chained(conn, [event])
        return entry.event

    async def events(self, after_seq: int = 0, limit: int = 1000) -> list[Event]:
        """Events with ``seq`` greater than ``after_seq``, oldest first."""
        statement = (
            select(events).where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [rows.event(row) for row in result.mappings()]

    async def sync_coalition(self, coalition: Coalition) -> None:
        """Make the stored partners and zones those of ``coalition`` (upsert, drop the rest)."""
        async with self._writing() as conn:
            await sync_coalition(conn, coalition)

    async def partners(self) -> list[Partner]:
        """Stored partners (without contacts or tokens), by id."""
        async with self._reading() as conn:
            result = await conn.execute(select(partners).order_by(partners.c.id))
            return [rows.partner(row) for row in result.mappings()]

    async def zones(self, partner_id: str | None = None) -> list[Zone]:
        """Stored zones, optionally of one partner, by id."""
        statement = select(zones).order_by(zones.c.id)
        if partner_id is not None:
            statement = statement.where(zones.c.partner_id == partner_id)
        async with self._reading() as conn:
            result = await conn.execute(statement)
            return [rows.zone(row) for row in result.mappings()]


def _filters(query: AlertQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if query.status is not None:
        conditions.append(alerts.c.status == query.status.value)
    if query.msg_type is not None:
        conditions.append(alerts.c.msg_type == query.msg_type.value)
    if query.sender is not None:
        conditions.append(alerts.c.sender == query.sender)
    if query.thread_id is not None:
        conditions.append(alerts.c.thread_id == query.thread_id)
    if query.sent_after is not None:
        conditions.append(alerts.c.sent_utc > query.sent_after)
    return conditions

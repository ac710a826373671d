"""``record`` on SQLite: the writes before the first webhook, on the driver's connection.

The same rows, statements and order as the SQLAlchemy path of ``SqlStore.record`` (which
PostgreSQL takes), in a transaction the driver runs (``sqlite_writer``); only the execution is
the driver's (``driver_statements``: 2.2 of the 2.8 ms a ``record`` took were SQLAlchemy's).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Dialect, bindparam, select, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.expression import ClauseElement

from tanbih.adapters.store import outbox_rows, rows
from tanbih.adapters.store.driver_statements import DriverStatements, run
from tanbih.adapters.store.inline_sqlite import InlineConnection
from tanbih.adapters.store.outbox_rules import merge_timer
from tanbih.adapters.store.outbox_writes import returning_key
from tanbih.adapters.store.record_statements import (
    INSERT_ALERT,
    already_stored,
    notification_rows,
    save_thread,
)
from tanbih.adapters.store.schema import alerts, escalation_timers, notifications, threads
from tanbih.adapters.store.sql_audit import CHAIN_HEAD, INSERT_EVENTS, chained_entries
from tanbih.domain.audit import GENESIS, ChainHead
from tanbih.domain.lifecycle import Transition
from tanbih.domain.notification import EscalationTimer, Handover, Notification
from tanbih.domain.records import AlertRecord, Event
from tanbih.errors import StoreError

_COMPILED = DriverStatements()
_INSERT_NEW_THREAD = sqlite.insert(threads).on_conflict_do_nothing()
_INSERT_NEW_NOTIFICATION = returning_key(sqlite.insert(notifications).on_conflict_do_nothing())
_INSERT_NEW_TIMER = sqlite.insert(escalation_timers).on_conflict_do_nothing()
_THREAD_OF_ALERT = select(alerts.c.thread_id).where(alerts.c.id == bindparam("alert_id"))
_TIMER_KEY = (
    escalation_timers.c.thread_id == bindparam("timer_thread_id"),
    escalation_timers.c.partner_id == bindparam("timer_partner_id"),
)
_TIMER = select(escalation_timers).where(*_TIMER_KEY)
_TIMER_COLUMNS = ("started_at", "steps_done", "next_due_at", "acknowledged_at", "stopped_at")
# A bound name may not be a column's own name in an UPDATE's SET.
_UPDATE_TIMER = (
    update(escalation_timers)
    .where(*_TIMER_KEY)
    .values({column: bindparam(f"new_{column}") for column in _TIMER_COLUMNS})
)


class _Statements:
    """Runs compiled statements for rows on one driver connection."""

    def __init__(self, driver: InlineConnection, dialect: Dialect) -> None:
        self._driver = driver
        self._dialect = dialect

    async def rows(self, statement: ClauseElement, row: dict[str, Any]) -> list[dict[str, Any]]:
        """What a query returns, by column."""
        compiled = _COMPILED.of(statement, self._dialect, tuple(row))
        found, _ = await run(self._driver, compiled, row)
        return [compiled.decoded(values) for values in found]

    async def write(self, statement: ClauseElement, row: dict[str, Any]) -> int:
        """How many rows the statement changed."""
        return (await run(self._driver, _COMPILED.of(statement, self._dialect, tuple(row)), row))[1]


async def record_on_sqlite(
    driver: InlineConnection,
    dialect: Dialect,
    record: AlertRecord,
    transition: Transition,
    event: Event,
    notifications: Sequence[Notification],
    timers: Sequence[EscalationTimer],
    handover: Handover | None,
    audit: Sequence[Event],
) -> None:
    """``SqlStore.record``'s writes in ``driver``'s open write transaction."""
    statements = _Statements(driver, dialect)
    await save_thread(statements.write, transition, _INSERT_NEW_THREAD)
    try:
        await statements.write(INSERT_ALERT, rows.alert_row(record))
    except sqlite3.IntegrityError as exc:
        raise already_stored(record) from exc
    for timer in timers:
        await _save_timer(statements, timer)
    thread_of = {record.id: record.thread_id}
    for alert_id in sorted({n.alert_id for n in notifications} - thread_of.keys()):
        # Notifications of other messages (none on the accept path) need their thread.
        for stored in await statements.rows(_THREAD_OF_ALERT, {"alert_id": alert_id}):
            thread_of[alert_id] = stored["thread_id"]
    missing = sorted({n.alert_id for n in notifications} - thread_of.keys())
    if missing:
        raise StoreError(f"notifications of unknown alerts: {', '.join(missing)}")
    for row in notification_rows(notifications, thread_of, handover):
        await statements.write(_INSERT_NEW_NOTIFICATION, row)
    # Last, as on the other path: SQLite's writer lock is the chain's lock.
    newest = await statements.rows(CHAIN_HEAD, {})
    head = GENESIS if not newest else ChainHead(int(newest[0]["seq"]), str(newest[0]["hash"]))
    for entry in chained_entries(head, [event, *audit]):
        await statements.write(INSERT_EVENTS, rows.audit_row(entry))


async def _save_timer(statements: _Statements, timer: EscalationTimer) -> None:
    """Insert a new timer, or merge it into the stored one (``outbox_rules``)."""
    if await statements.write(_INSERT_NEW_TIMER, outbox_rows.timer_row(timer)) == 1:
        return
    key = {"timer_thread_id": timer.thread_id, "timer_partner_id": timer.partner_id}
    (row,) = await statements.rows(_TIMER, key)
    stored = outbox_rows.timer(row)
    merged = merge_timer(stored, timer)
    if merged != stored:
        changes = outbox_rows.timer_row(merged)
        await statements.write(
            _UPDATE_TIMER, {**key, **{f"new_{c}": changes[c] for c in _TIMER_COLUMNS}}
        )

"""The event log as an audit chain in SQL: chained appends, checkpoints and reads for verify.

Every write to ``events`` goes through ``append_chained`` (or, for ``record`` on SQLite, its
twin in ``sqlite_record``), inside the caller's write transaction. It takes the chain's lock,
reads the newest entry and inserts the next ones with their ``seq`` and hashes
(``tanbih.domain.audit.chain``). The lock makes appenders in other processes and on other
connections queue, so each one reads the head the one before it wrote:

* PostgreSQL: a transaction-scoped advisory lock, released at commit. Read committed isolation
  gives each statement a fresh snapshot, so the head read after the lock sees the last commit.
  It needs no row to exist (a lock row would vanish when tests truncate tables).
* SQLite: nothing more; write transactions begin ``IMMEDIATE``, one writer at a time.

Callers take the lock last in their transaction, so it is held only until their commit and no
other lock is awaited while holding it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tanbih.adapters.store import rows
from tanbih.adapters.store.schema import events
from tanbih.adapters.store.transactions import SqlTransactions
from tanbih.domain.audit import (
    GENESIS,
    AuditEntry,
    ChainHead,
    CheckpointKey,
    chain,
    checkpoint_event,
)
from tanbih.domain.records import Event
from tanbih.errors import StoreError

# The advisory lock's key: any fixed 64-bit number unlikely to be used by another application
# sharing the database ("tanbih.a" in ASCII).
AUDIT_LOCK_KEY = 0x74616E6269682E61


CHAIN_HEAD = select(events.c.seq, events.c.hash).order_by(events.c.seq.desc()).limit(1)
INSERT_EVENTS = insert(events)
_CHAIN_LOCK = select(func.pg_advisory_xact_lock(AUDIT_LOCK_KEY))


async def append_chained(conn: AsyncConnection, new: Sequence[Event]) -> list[AuditEntry]:
    """Append ``new`` to the event log after its newest entry, chained; the entries written.

    Raises ``StoreError`` for an event with a naive time or data that JSON cannot hold.
    """
    await _lock_chain(conn)
    row = (await conn.execute(CHAIN_HEAD)).one_or_none()
    head = GENESIS if row is None else ChainHead(int(row.seq), str(row.hash))
    entries = chained_entries(head, new)
    if entries:
        await conn.execute(INSERT_EVENTS, [rows.audit_row(entry) for entry in entries])
    return entries


class SqlAudit(SqlTransactions):
    """Reads of the chain and checkpoints; a part of ``SqlStore``."""

    async def audit_entries(self, after_seq: int = 0, limit: int = 1000) -> list[AuditEntry]:
        """Entries with their hashes, ``seq`` greater than ``after_seq``, oldest first."""
        statement = (
            select(events).where(events.c.seq > after_seq).order_by(events.c.seq).limit(limit)
        )
        async with self._reading() as conn:
            result = await conn.execute(statement)
            found = list(result.mappings())
        entries = []
        for row in found:
            try:
                entries.append(rows.audit_entry(row))
            except (TypeError, ValueError) as exc:
                # Only a hand-edited row reads so: say which, rather than fail somewhere below.
                raise StoreError(f"event log entry seq {row['seq']} is unreadable: {exc}") from exc
        return entries

    async def audit_span(
        self, since: datetime, until: datetime | None = None
    ) -> tuple[int, int] | None:
        """The first and last ``seq`` of an export from ``since`` (inclusive) to ``until``
        (exclusive): from the first entry at or after ``since`` to the last before ``until``.

        The span is whole, so an export verifies as one piece of the chain even when an
        entry inside it carries a time outside (clocks of exercises). ``None`` if empty.
        """
        first = select(func.min(events.c.seq)).where(events.c.at >= since)
        last = select(func.max(events.c.seq))
        if until is not None:
            last = last.where(events.c.at < until)
        async with self._reading() as conn:
            low = (await conn.execute(first)).scalar_one_or_none()
            high = (await conn.execute(last)).scalar_one_or_none()
        if low is None or high is None or low > high:
            return None
        return int(low), int(high)

    async def checkpoint(self, key: CheckpointKey, at: datetime) -> AuditEntry | None:
        """Sign the chain's head with ``key`` by appending a checkpoint entry; ``None`` if the
        log is empty or ends with a checkpoint already (nothing new to sign).
        """
        async with self._writing() as conn:
            await _lock_chain(conn)
            result = await conn.execute(select(events).order_by(events.c.seq.desc()).limit(1))
            row = result.mappings().one_or_none()
            newest = None if row is None else rows.audit_entry(row)
            event = checkpoint_event(newest, key, at)
            if newest is None or event is None:
                return None
            (entry,) = chained_entries(newest.head, [event])
            await conn.execute(insert(events).values(rows.audit_row(entry)))
            return entry


async def _lock_chain(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(_CHAIN_LOCK)


def chained_entries(head: ChainHead, new: Sequence[Event]) -> list[AuditEntry]:
    """``new`` chained after ``head``; ``StoreError`` for what the log cannot hold."""
    try:
        return chain(head, new)
    except ValueError as exc:
        raise StoreError(f"cannot log the event: {exc}") from exc

"""Read and write transactions for the SQL store, with errors translated at the edge.

Every store method runs in one transaction. Writes on SQLite also queue on an in-process lock:
SQLite has one writer at a time anyway, and an asyncio queue hands the turn over at once where
the busy timeout would poll (the busy timeout still covers other processes). On SQLite the
WAL is checkpointed after the commits, in a thread (``wal_checkpoint``), not within one, and
``record`` writes in transactions the driver runs itself (``sqlite_writer``).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.expression import ClauseElement, Executable

from tanbih.adapters.store.engine import is_sqlite, writer
from tanbih.adapters.store.inline_sqlite import InlineConnection
from tanbih.adapters.store.sqlite_writer import SqliteWriter
from tanbih.adapters.store.wal_checkpoint import WalCheckpoints
from tanbih.errors import StoreError


class SqlTransactions:
    """The engine of a SQL store and the transactions its methods run in."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._writer = writer(engine)
        self._write_turn: contextlib.AbstractAsyncContextManager[object] = (
            asyncio.Lock() if is_sqlite(engine) else contextlib.nullcontext()
        )
        path = Path(str(engine.url.database)) if is_sqlite(engine) else None
        self._checkpoints = WalCheckpoints(path) if path is not None else None
        self._sqlite_writer = SqliteWriter(path) if path is not None else None

    async def close(self) -> None:
        """Release connections."""
        if self._checkpoints is not None:
            await self._checkpoints.close()
        if self._sqlite_writer is not None:
            await self._sqlite_writer.close()
        await self._engine.dispose()

    @contextlib.asynccontextmanager
    async def _reading(self) -> AsyncIterator[AsyncConnection]:
        with translated():
            async with self._engine.begin() as conn:
                yield conn

    @contextlib.asynccontextmanager
    async def _writing(self) -> AsyncIterator[AsyncConnection]:
        with translated():
            async with self._write_turn, self._writer.begin() as conn:
                yield conn
        if self._checkpoints is not None:
            self._checkpoints.committed()

    @contextlib.asynccontextmanager
    async def _writing_on_sqlite(self, writer: SqliteWriter) -> AsyncIterator[InlineConnection]:
        """A write transaction of ``writer``'s (``sqlite_writer``), in the same write turn as
        the others and counted for the checkpoints as they are."""
        with translated():
            async with self._write_turn, writer.transaction() as driver:
                yield driver
        if self._checkpoints is not None:
            self._checkpoints.committed()


@contextlib.contextmanager
def translated() -> Iterator[None]:
    """Database and driver failures leave as ``StoreError``; our own errors pass through."""
    try:
        yield
    except (SQLAlchemyError, sqlite3.Error) as exc:
        # sqlite3's own errors come from the statements run on the driver (sqlite_record).
        raise StoreError(f"store failed: {exc}") from exc
    except OSError as exc:
        raise StoreError(f"database unreachable: {exc}") from exc


def written_by(conn: AsyncConnection) -> Callable[[ClauseElement, dict[str, Any]], Awaitable[int]]:
    """A statement's run for one row on ``conn``, answering how many rows it changed."""

    async def write(statement: ClauseElement, row: dict[str, Any]) -> int:
        # The record statements are DML: clause elements SQLAlchemy executes.
        return int((await conn.execute(cast(Executable, statement), row)).rowcount)

    return write


def insert_new(conn: AsyncConnection, table: Table) -> Insert:
    """An INSERT that skips rows whose key is already stored (``ON CONFLICT DO NOTHING``).

    Both backends say it the same way but SQLAlchemy builds it per dialect. On PostgreSQL a
    concurrent insert of the same key waits for the other transaction, then skips.
    """
    return _insert_new(conn.dialect.name, table)


@functools.cache
def _insert_new(dialect: str, table: Table) -> Insert:
    # Built once per table: building a statement costs more than SQLite running it.
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()

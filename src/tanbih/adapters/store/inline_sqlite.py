"""The SQLite driver under SQLAlchemy's ``aiosqlite`` dialect: statements run on the event loop.

aiosqlite runs each statement in a thread of its own connection and hands the result back
through the loop: a dozen hand-overs per transaction, each waiting for the loop to wake and
for the GIL (measured: 7 ms p50 for a write SQLite itself does in 0.3 ms, fsync included,
and the tail of the alert → webhook path). A SQLite statement of this store's is a few
microseconds of work on a local file, so here it runs where it is asked for, through the
standard library's ``sqlite3``, behind the same interface (SQLAlchemy's ``async_creator``).

Only a wait for another connection's lock is taken off the loop. The connection never waits
for a lock on the loop (busy timeout 0); a statement that finds the database locked (another
process writing, or a reader of this process while a checkpoint runs) is run again in a
thread with the store's busy timeout, so the loop, and the transaction holding the lock if it
is of this process, go on meanwhile.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Self, TypeVar

T = TypeVar("T")

Parameters = Sequence[Any] | dict[str, Any]


def _busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


class InlineCursor:
    """An aiosqlite-shaped cursor whose calls complete without leaving the loop's thread."""

    def __init__(self, connection: InlineConnection) -> None:
        self._connection = connection
        self._cursor = connection.raw.cursor()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def execute(self, sql: str, parameters: Parameters = ()) -> Self:
        """Run one statement."""
        await self._connection.run(self._cursor.execute, sql, parameters)
        return self

    async def executemany(self, sql: str, rows: Iterable[Parameters]) -> Self:
        """Run one statement for each of ``rows``."""
        await self._connection.run(self._cursor.executemany, sql, list(rows))
        return self

    async def fetchone(self) -> Any:
        """The next row, or ``None``."""
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        """Up to ``size`` rows (the cursor's ``arraysize`` by default)."""
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        """The remaining rows."""
        return self._cursor.fetchall()

    async def close(self) -> None:
        """Release the cursor."""
        self._cursor.close()

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def description(self) -> Any:
        """Column descriptions of the last query (DB-API)."""
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        """Rows changed by the last statement (DB-API)."""
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        """Row id of the last inserted row (DB-API)."""
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        """Rows ``fetchmany`` returns by default (DB-API)."""
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """An aiosqlite-shaped connection over ``sqlite3``; see the module docstring."""

    def __init__(self, raw: sqlite3.Connection, busy_timeout_ms: int) -> None:
        self.raw = raw
        # SQLAlchemy's aiosqlite dialect looks here to tell an open connection from a closed one.
        self._connection: sqlite3.Connection | None = raw
        self._busy_timeout_ms = busy_timeout_ms

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """``call(*args)`` here; in a thread, waiting up to the busy timeout, if it finds the
        database locked."""
        try:
            return call(*args)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
        waiting = asyncio.ensure_future(asyncio.to_thread(self._waiting_for_lock, call, *args))
        try:
            return await asyncio.shield(waiting)
        except asyncio.CancelledError:
            # A thread cannot be stopped: the statement goes on. Until it ends nobody else may
            # use the connection, and the caller must find it in the state the statement left.
            await asyncio.wait({waiting})
            raise

    def _waiting_for_lock(self, call: Callable[..., T], *args: Any) -> T:
        self.raw.execute(f"PRAGMA busy_timeout={self._busy_timeout_ms}")
        try:
            return call(*args)
        finally:
            self.raw.execute("PRAGMA busy_timeout=0")

    def cursor(self) -> InlineCursor:
        """A new cursor (entered with ``async with``, as aiosqlite's is)."""
        return InlineCursor(self)

    async def commit(self) -> None:
        """Commit; on SQLite's ``synchronous=FULL`` this returns once the WAL is on disk."""
        await self.run(self.raw.commit)

    async def rollback(self) -> None:
        """Roll back the open transaction."""
        self.raw.rollback()

    async def close(self) -> None:
        """Close the connection."""
        self.stop()

    def stop(self) -> None:
        """Close at once (SQLAlchemy's terminate); nothing runs elsewhere to be stopped."""
        self._connection = None
        self.raw.close()

    async def create_function(self, *args: Any, **kwargs: Any) -> None:
        """Register a SQL function (DB-API extension)."""
        self.raw.create_function(*args, **kwargs)

    @property
    def isolation_level(self) -> str | None:
        """``None``: the store issues its own ``BEGIN``."""
        return self.raw.isolation_level


def connector(path: Path, busy_timeout_ms: int) -> Callable[[], Any]:
    """SQLAlchemy's ``async_creator`` for the SQLite file at ``path``."""

    async def connect() -> InlineConnection:
        # check_same_thread off: a statement that waits for a lock runs in a thread (above).
        raw = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        raw.execute("PRAGMA busy_timeout=0")
        return InlineConnection(raw, busy_timeout_ms)

    return connect

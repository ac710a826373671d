"""The SQLite connection ``record`` writes on, in transactions it begins and commits itself.

SQLAlchemy's transaction around the driver's statements (pool checkout, ``begin`` event,
commit, reset on return) cost more than SQLite's own BEGIN and COMMIT (measured: 0.11 ms a
transaction on an idle loop, three times that in the node). ``record`` runs only driver
statements on SQLite (``sqlite_record``), so it takes a connection of its own, configured as
the engine's are, and says ``BEGIN IMMEDIATE`` and ``COMMIT`` to it directly. Everything else
about a write holds as for the store's other writes (``transactions``): it takes the same
write turn, waits for another process's lock off the loop (``inline_sqlite``), commits
durably (``synchronous=FULL``) and counts for the WAL checkpoints.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from tanbih.adapters.store.engine import SQLITE_BUSY_TIMEOUT_MS, configure_sqlite
from tanbih.adapters.store.inline_sqlite import InlineConnection, connector


class SqliteWriter:
    """One connection to the store's file for driver-run write transactions; used by one
    transaction at a time (the caller holds the store's write turn)."""

    def __init__(self, path: Path) -> None:
        self._connect = connector(path, SQLITE_BUSY_TIMEOUT_MS)
        self._connection: InlineConnection | None = None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[InlineConnection]:
        """The connection in a write transaction, committed if the block ends normally and
        rolled back otherwise."""
        driver = await self._opened()
        try:
            # IMMEDIATE: the write lock is taken here, where waiting for it is safe (engine).
            # Inside the try: a wait for the lock cancelled after it got the lock rolls back.
            await driver.run(driver.raw.execute, "BEGIN IMMEDIATE")
            yield driver
            await driver.commit()
        except BaseException:
            if driver.raw.in_transaction:
                await driver.rollback()
            raise

    async def close(self) -> None:
        """Close the connection, if it was opened."""
        if self._connection is not None:
            await self._connection.close()
            self._connection = None

    async def _opened(self) -> InlineConnection:
        if self._connection is None:
            driver = await self._connect()
            await driver.run(configure_sqlite, driver.raw)
            self._connection = driver
        return self._connection

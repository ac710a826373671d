"""WAL checkpoints of the SQLite store, off the write path.

By default SQLite checkpoints in the commit that takes the WAL past 1,000 pages: that commit
copies the pages into the database file and syncs it before it returns, 5–10 ms where a commit
takes 0.3 (measured: 2 % of commits of alert-sized transactions, so the p99 of report →
webhook). The store's connections turn that off (``PRAGMA wal_autocheckpoint=0``) and this
checkpoints instead, after every ``every`` write transactions, on a connection of its own in a
thread: a PASSIVE checkpoint waits for no writer and no reader, and SQLite releases the GIL
while it copies and syncs, so the event loop and the next commits go on meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from pathlib import Path

log = logging.getLogger(__name__)

# Write transactions between checkpoints: an alert's is ~10 pages, so the WAL stays ~1,000.
CHECKPOINT_EVERY = 100


class WalCheckpoints:
    """Counts write transactions and checkpoints the WAL in a thread every ``every`` of them."""

    def __init__(self, path: Path, every: int = CHECKPOINT_EVERY) -> None:
        self._path = path
        self._every = every
        self._written = 0
        self._running: asyncio.Task[None] | None = None
        self._connection: sqlite3.Connection | None = None

    def committed(self) -> None:
        """One more write transaction committed; start a checkpoint if one is due."""
        self._written += 1
        if self._written < self._every or self._running is not None:
            return
        self._written = 0
        self._running = asyncio.create_task(asyncio.to_thread(self._checkpoint))
        self._running.add_done_callback(self._finished)

    async def close(self) -> None:
        """Wait for a running checkpoint, then close the checkpoint connection."""
        if self._running is not None:
            with contextlib.suppress(sqlite3.Error):
                await self._running
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _checkpoint(self) -> None:
        if self._connection is None:
            # Used by one thread at a time: a new checkpoint starts only after the last ended.
            self._connection = sqlite3.connect(
                self._path, isolation_level=None, check_same_thread=False
            )
        self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._running = None
        if not task.cancelled() and (error := task.exception()) is not None:
            # The next one tries again; meanwhile the WAL only grows.
            log.warning("WAL checkpoint failed: %s", error)

"""The SQLite store checkpoints its WAL after commits, in a thread, never inside a commit."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType

from tests.integration.store.samples import accepted, record, transition

from tanbih.adapters.store import SqlStore
from tanbih.adapters.store.wal_checkpoint import CHECKPOINT_EVERY
from tanbih.domain.records import Event

# Each event's data spans ~25 pages: fewer transactions than CHECKPOINT_EVERY then write more
# than the 1,000 pages at which SQLite would checkpoint within a commit by default.
PAGES_OF_DATA = "x" * 100_000


def _event(n: int) -> Event:
    return Event(
        at=datetime.now(UTC),
        kind="test.filler",
        subject=f"filler-{n}",
        partner_id="il",
        data=MappingProxyType({"filler": PAGES_OF_DATA}),
    )


def _size(path: Path) -> int:
    return path.stat().st_size


async def test_commits_leave_the_database_file_alone_until_the_stores_checkpoint(
    sqlite_store: SqlStore, sqlite_url: str
) -> None:
    """CHECKPOINT_EVERY - 1 write transactions of over 1,000 pages in all leave the database
    file as it was (no checkpoint inside a commit); the next one's checkpoint copies them in."""
    path = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    # Held open so that closing the store is not the last close, which checkpoints by itself.
    bystander = sqlite3.connect(path)
    try:
        size_before = _size(path)
        for n in range(CHECKPOINT_EVERY - 1):
            await sqlite_store.append_event(_event(n))
        assert _size(path) == size_before
        await sqlite_store.append_event(_event(CHECKPOINT_EVERY))
        await sqlite_store.close()  # waits for the running checkpoint
        assert _size(path) > size_before + CHECKPOINT_EVERY * len(PAGES_OF_DATA)
    finally:
        bystander.close()


async def test_records_written_on_their_own_connection_wait_for_the_stores_checkpoint_too(
    sqlite_store: SqlStore, sqlite_url: str
) -> None:
    """``record`` commits on a connection of its own (the driver's transactions): it too never
    checkpoints within a commit, and its commits count towards the store's checkpoint."""
    path = Path(sqlite_url.removeprefix("sqlite+aiosqlite:///"))
    bystander = sqlite3.connect(path)
    try:
        size_before = _size(path)
        for n in range(CHECKPOINT_EVERY):
            rec = replace(record(f"m{n}"), xml=PAGES_OF_DATA.encode())
            await sqlite_store.record(rec, transition(rec), accepted(rec))
            if n == CHECKPOINT_EVERY - 2:
                assert _size(path) == size_before
        await sqlite_store.close()  # waits for the running checkpoint
        assert _size(path) > size_before + CHECKPOINT_EVERY * len(PAGES_OF_DATA)
    finally:
        bystander.close()

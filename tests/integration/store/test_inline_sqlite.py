"""The SQLite driver runs statements on the loop, but waits for another's lock off it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.integration.store.samples import accepted, record, transition

from tanbih.adapters.store import open_store
from tanbih.adapters.store.inline_sqlite import InlineConnection, connector
from tanbih.domain.records import AlertQuery

BOUND_S = 10.0


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite+aiosqlite:///"))


async def test_a_write_waits_for_another_process_lock_while_the_loop_goes_on(
    sqlite_url: str,
) -> None:
    """Another connection holds the write lock: the store's write waits for it in a thread,
    reads and other tasks go on meanwhile, and the write lands once the lock is released."""
    store = await open_store(sqlite_url)
    try:
        before = record("before")
        await store.record(before, transition(before), accepted(before))
        other = sqlite3.connect(_path(sqlite_url), isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        later = record("later")
        write = asyncio.create_task(store.record(later, transition(later), accepted(later)))
        # The loop is free while the write waits: a read completes, the write does not.
        found = await asyncio.wait_for(store.search(AlertQuery()), BOUND_S)
        assert [r.key.identifier for r in found] == ["before"]
        done, _ = await asyncio.wait({write}, timeout=0.2)
        assert not done
        await asyncio.to_thread(other.execute, "COMMIT")
        await asyncio.wait_for(write, BOUND_S)
        other.close()
        assert await store.get(later.id) == later
    finally:
        await store.close()


async def test_a_statement_error_that_is_not_a_lock_is_raised_at_once(tmp_path: Path) -> None:
    """Only a locked database is retried: a wrong statement fails as sqlite3 says."""
    connection = await connector(tmp_path / "t.db", 1000)()
    assert isinstance(connection, InlineConnection)
    try:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            await connection.cursor().execute("SELECT * FROM missing")
    finally:
        await connection.close()


async def test_a_write_cancelled_while_waiting_for_a_lock_leaves_the_store_usable(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write cancelled while its thread waits for another's lock: once that lock is released,
    the cancelled message is not stored and the next write lands (the connection was not left
    inside the cancelled transaction, nor used by two threads at once)."""
    waiting = threading.Event()
    wait_for_lock = InlineConnection._waiting_for_lock

    def signalling(self: InlineConnection, call: Callable[..., Any], *args: Any) -> Any:
        waiting.set()
        return wait_for_lock(self, call, *args)

    monkeypatch.setattr(InlineConnection, "_waiting_for_lock", signalling)
    store = await open_store(sqlite_url)
    try:
        other = sqlite3.connect(_path(sqlite_url), isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        cancelled = record("cancelled")
        write = asyncio.create_task(
            store.record(cancelled, transition(cancelled), accepted(cancelled))
        )
        assert await asyncio.to_thread(waiting.wait, BOUND_S)
        write.cancel()
        await asyncio.to_thread(other.execute, "COMMIT")
        other.close()
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(write, BOUND_S)
        after = record("after")
        await asyncio.wait_for(store.record(after, transition(after), accepted(after)), BOUND_S)
        found = await store.search(AlertQuery())
        assert [r.key.identifier for r in found] == ["after"]
    finally:
        await store.close()

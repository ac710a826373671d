"""Async engines for the two backends, chosen by the database URL.

``sqlite+aiosqlite:///data/tanbih.db`` gives the embedded single-file store;
``postgresql+asyncpg://user@host/db`` the scale-out one. Everything else in the store is one code
path; the SQLite specifics live here:

* Statements run on the event loop through ``sqlite3`` (:mod:`.inline_sqlite`), not in a
  thread per connection as with aiosqlite; a statement that finds the database locked waits
  for it, up to the busy timeout, in a thread.
* WAL journal (readers never block the writer), ``synchronous=FULL`` (each commit is on disk
  before an alert is acknowledged, even across a power cut), foreign keys on; the WAL is
  checkpointed by the store after its commits (:mod:`.wal_checkpoint`), never within one.
* Write transactions start with ``BEGIN IMMEDIATE``. A deferred transaction that reads first and
  writes later cannot wait for the lock when another writer committed in between (SQLite then
  fails at once with "database is locked" whatever the busy timeout); taking the write lock at
  BEGIN lets the busy timeout do its job. Reads keep a plain, deferred ``BEGIN``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import URL, event, make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from tanbih.adapters.store.inline_sqlite import connector
from tanbih.errors import StoreError

SQLITE_BUSY_TIMEOUT_MS = 30_000
WRITE_OPTION = "tanbih_write"

# Plain URLs name the synchronous drivers; the store only runs on the async ones.
_ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
}


def store_url(url: str) -> URL:
    """The URL with its async driver; ``sqlite://`` and ``postgresql://`` are accepted too."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(f"not a database URL: {url!r}") from exc
    driver = _ASYNC_DRIVERS.get(parsed.drivername)
    if driver is None:
        raise StoreError(
            f"unsupported database {parsed.drivername!r}: use sqlite+aiosqlite:///PATH "
            "or postgresql+asyncpg://USER@HOST/DB"
        )
    if driver == "sqlite+aiosqlite" and parsed.database in (None, "", ":memory:"):
        raise StoreError("the SQLite store needs a file path: sqlite+aiosqlite:///PATH")
    return parsed.set(drivername=driver)


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL; ``None`` for PostgreSQL."""
    parsed = store_url(url)
    return Path(str(parsed.database)) if parsed.get_backend_name() == "sqlite" else None


def create_engine(url: str) -> AsyncEngine:
    """An async engine for ``url``; for SQLite, the file's directory is created if missing."""
    parsed = store_url(url)
    path = sqlite_path(url)
    if path is None:
        return create_async_engine(parsed, pool_pre_ping=True)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data directory {path.parent}: {exc}") from exc
    engine = create_async_engine(parsed, async_creator=connector(path, SQLITE_BUSY_TIMEOUT_MS))
    event.listen(engine.sync_engine, "connect", configure_sqlite)
    event.listen(engine.sync_engine, "begin", _begin_sqlite)
    return engine


def writer(engine: AsyncEngine) -> AsyncEngine:
    """The same engine (and pool), marked so its transactions take the write lock up front."""
    return engine.execution_options(**{WRITE_OPTION: True})


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to a SQLite file."""
    return engine.dialect.name == "sqlite"


def configure_sqlite(dbapi_connection: Any, _record: object = None) -> None:
    """The pragmas of every connection to the store's file (module docstring)."""
    # The connector opens it in autocommit mode: we emit BEGIN ourselves in _begin_sqlite.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        # Checkpoints run after commits, not inside one: see wal_checkpoint.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
    finally:
        cursor.close()


def _begin_sqlite(connection: Connection) -> None:
    write = connection.get_execution_options().get(WRITE_OPTION, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

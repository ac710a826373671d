"""Store backends for the contract suite: memory, and the databases of the integration conftest."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from tests.integration.conftest import POSTGRES, database_url_of

from tanbih.adapters.memory_store import MemoryStore
from tanbih.adapters.store import SqlStore, open_store
from tanbih.ports import NodeStore


@pytest.fixture(params=["memory", "sqlite", POSTGRES])
def backend_url(request: pytest.FixtureRequest) -> str | None:
    """Each backend in turn: ``None`` for memory, else an empty database's URL."""
    return None if request.param == "memory" else database_url_of(request, request.param)


@pytest.fixture
async def store(backend_url: str | None) -> AsyncIterator[NodeStore]:
    """Each store implementation in turn, empty and ready."""
    backend: NodeStore
    if backend_url is None:
        backend = MemoryStore()
    else:
        # A no-op on the PostgreSQL database, which the session fixture migrated already.
        backend = await open_store(backend_url)
    try:
        yield backend
    finally:
        await backend.close()


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[SqlStore]:
    """A migrated SQLite store."""
    backend = await open_store(sqlite_url)
    try:
        yield backend
    finally:
        await backend.close()

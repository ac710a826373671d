"""Databases for integration tests: a SQLite file and a fresh PostgreSQL database.

The PostgreSQL database (``tanbih_test_<random>``) is created and migrated once per session,
emptied before each test and dropped at the end. Without a server the tests skip on a laptop and
fail under CI=true.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from tests.conftest import unavailable

from tanbih.adapters.store import upgrade

PG_HOST = "127.0.0.1"
PG_PORT = 5432
PG_USERS = ("postgres", "root")
TABLES = (
    "reply_codes, used_tokens, escalation_timers, acknowledgements, delivery_attempts, "
    "notifications, alerts, threads, zones, partners, events, meta, observations, "
    "response_cases, capability_availability, relayed_copies"
)


async def _admin_connection() -> asyncpg.Connection:
    """A connection to the ``test`` database, as the first user the server accepts."""
    errors: list[str] = []
    for user in PG_USERS:
        try:
            return await asyncpg.connect(
                host=PG_HOST, port=PG_PORT, user=user, database="test", timeout=5
            )
        except (OSError, asyncpg.PostgresError) as exc:
            errors.append(f"{user}: {exc}")
    unavailable(f"PostgreSQL not reachable at {PG_HOST}:{PG_PORT}: {'; '.join(errors)}")
    raise AssertionError("unreachable")  # unavailable() always raises


async def _create_database(name: str) -> str:
    admin = await _admin_connection()
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        return str(admin.get_settings().session_authorization)
    finally:
        await admin.close()


async def _drop_database(name: str) -> None:
    admin = await _admin_connection()
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """A migrated database of its own for this test session, dropped afterwards."""
    name = f"tanbih_test_{secrets.token_hex(4)}"
    user = asyncio.run(_create_database(name))
    url = f"postgresql+asyncpg://{user}@{PG_HOST}:{PG_PORT}/{name}"
    try:
        asyncio.run(upgrade(url))
        yield url
    finally:
        asyncio.run(_drop_database(name))


@pytest.fixture
async def pg_url(pg_session_url: str) -> str:
    """The session's PostgreSQL database, emptied for this test."""
    conn = await asyncpg.connect(pg_session_url.replace("postgresql+asyncpg", "postgresql"))
    try:
        await conn.execute(f"TRUNCATE {TABLES} RESTART IDENTITY")
    finally:
        await conn.close()
    return pg_session_url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in a data directory that does not exist yet."""
    return f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tanbih.db'}"


POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)


def database_url_of(request: pytest.FixtureRequest, backend: str) -> str:
    return str(request.getfixturevalue("sqlite_url" if backend == "sqlite" else "pg_url"))


@pytest.fixture(params=["sqlite", POSTGRES])
def durable_url(request: pytest.FixtureRequest) -> str:
    """The URL of each durable backend in turn, with an empty database."""
    return database_url_of(request, request.param)


@pytest.fixture(params=["sqlite", POSTGRES])
def store_url(request: pytest.FixtureRequest) -> str:
    """Alias of ``durable_url`` for tests above the store: each durable backend in turn."""
    return database_url_of(request, request.param)

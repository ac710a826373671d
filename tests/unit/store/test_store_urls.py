"""Which database URLs the store accepts, and the async driver each one gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from tanbih.adapters.store.engine import sqlite_path, store_url
from tanbih.errors import StoreError


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite+aiosqlite:///data/tanbih.db", "sqlite+aiosqlite"),
        ("sqlite:///data/tanbih.db", "sqlite+aiosqlite"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg"),
        ("postgresql://u@h/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
    ],
)
def test_plain_urls_get_the_async_driver(given: str, driver: str) -> None:
    """sqlite:// and postgresql:// URLs are accepted and run on aiosqlite and asyncpg."""
    assert store_url(given).drivername == driver


@pytest.mark.parametrize(
    "given",
    [
        "mysql://u@h/db",
        "postgresql+psycopg2://u@h/db",
        "sqlite+aiosqlite://",
        "sqlite+aiosqlite:///:memory:",
        "nonsense",
    ],
)
def test_other_urls_are_refused(given: str) -> None:
    """Other databases, sync drivers and in-memory SQLite are refused with a StoreError."""
    with pytest.raises(StoreError):
        store_url(given)


def test_sqlite_path_is_relative_to_the_working_directory() -> None:
    """A three-slash SQLite URL names a path relative to where the node runs; PostgreSQL none."""
    assert sqlite_path("sqlite+aiosqlite:///data/tanbih.db") == Path("data/tanbih.db")
    assert sqlite_path("sqlite+aiosqlite:////var/lib/tanbih.db") == Path("/var/lib/tanbih.db")
    assert sqlite_path("postgresql+asyncpg://u@h/db") is None

"""The packaged Alembic migrations, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from tanbih.adapters.store import current_revision, head_revision, upgrade
from tanbih.adapters.store.engine import create_engine
from tanbih.adapters.store.migrate import alembic_config
from tanbih.adapters.store.schema import metadata


def _differences(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_migrated_schema_matches_the_metadata(durable_url: str) -> None:
    """After upgrade, Alembic finds no difference between the database and the table metadata."""
    await upgrade(durable_url)
    engine = create_engine(durable_url)
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(_differences)
            tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    finally:
        await engine.dispose()

    assert differences == []
    assert tables >= {"alerts", "threads", "partners", "zones", "events", "meta"}


async def test_upgrade_twice_leaves_the_database_at_head(durable_url: str) -> None:
    """Upgrading an up-to-date database is a no-op that keeps it at the head revision."""
    await upgrade(durable_url)
    await upgrade(durable_url)

    assert await current_revision(durable_url) == head_revision()


async def test_a_never_migrated_sqlite_file_has_no_revision_and_is_not_created(
    tmp_path: Path,
) -> None:
    """current_revision of a missing SQLite file is None, and looking does not create it."""
    path = tmp_path / "absent" / "tanbih.db"

    assert await current_revision(f"sqlite+aiosqlite:///{path}") is None
    assert not path.parent.exists()


def test_alembic_command_api_migrates_from_a_url(tmp_path: Path) -> None:
    """Alembic's own commands (as used to autogenerate a revision) work from a plain URL."""
    url = f"sqlite:///{tmp_path / 'dev' / 'tanbih.db'}"

    command.upgrade(alembic_config(url), "head")

    assert asyncio.run(current_revision(url)) == head_revision()

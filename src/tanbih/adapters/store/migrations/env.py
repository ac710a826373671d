"""Alembic environment for the store's migrations.

tanbih runs them through ``tanbih.adapters.store.migrate.upgrade``, which hands in an open
connection (``config.attributes["connection"]``) from an engine with the store's SQLite pragmas.
Alembic's own command API (used to autogenerate a new revision) gives only a URL; then this
module opens the engine itself, with the same settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from tanbih.adapters.store.engine import create_engine, writer
from tanbih.adapters.store.schema import metadata


def run_migrations(connection: Connection) -> None:
    """Run the pending migrations on ``connection``, in one transaction."""
    context.configure(
        connection=connection,
        target_metadata=metadata,
        # SQLite alters tables by copying them; batch mode writes that for us.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_from_url(url: str) -> None:
    """Open the store's engine for ``url`` and run the pending migrations."""
    engine = create_engine(url)
    try:
        async with writer(engine).connect() as connection:
            await connection.run_sync(run_migrations)
    finally:
        await engine.dispose()


given = context.config.attributes.get("connection")
if isinstance(given, Connection):
    run_migrations(given)
else:
    asyncio.run(run_migrations_from_url(context.config.get_main_option("sqlalchemy.url", "")))

"""Schema migrations, run from code: the Alembic scripts ship inside the package, no ini file.

``upgrade`` brings a database to the newest schema (and creates a SQLite file and its directory);
``current_revision`` tells where a database stands. Both are what ``tanbih db`` runs.
"""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import make_url
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from tanbih.adapters.store.engine import create_engine, sqlite_path, writer
from tanbih.errors import StoreError

SCRIPT_LOCATION = "tanbih.adapters.store:migrations"


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config for the packaged migrations; ``url`` is for Alembic's own commands."""
    config = Config()
    config.set_main_option("script_location", SCRIPT_LOCATION)
    # New revision files are importable module names (v0002_...), like the first one.
    config.set_main_option("file_template", "v%%(rev)s_%%(slug)s")
    if url is not None:
        # The config file syntax treats "%" as interpolation; a URL-encoded password has them.
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    """The newest schema revision this code knows."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:
        raise StoreError("the packaged migrations have no head revision")
    return head


async def upgrade(url: str) -> None:
    """Migrate the database at ``url`` to the newest schema, in one transaction."""
    engine = create_engine(url)
    try:
        async with writer(engine).begin() as connection:
            await connection.run_sync(_upgrade_to_head)
    except (SQLAlchemyError, OSError, CommandError) as exc:
        raise StoreError(f"could not migrate {_shown(url)}: {exc}") from exc
    finally:
        await engine.dispose()


async def current_revision(url: str) -> str | None:
    """The schema revision of the database at ``url``; ``None`` if it was never migrated."""
    path = sqlite_path(url)
    if path is not None and not path.exists():
        return None  # do not create an empty file just to look at it
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(_current)
    except (SQLAlchemyError, OSError) as exc:
        raise StoreError(f"could not read the schema revision of {_shown(url)}: {exc}") from exc
    finally:
        await engine.dispose()


def _upgrade_to_head(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, "head")


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _shown(url: str) -> str:
    """The URL as it may appear in a message: without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "the database"

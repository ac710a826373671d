"""``tanbih db``: migrate the store's database and show its schema revision."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from tanbih.adapters.store import current_revision, head_revision, upgrade
from tanbih.errors import StoreError
from tanbih.settings import Settings

app = typer.Typer(help="The store's database: migrate it, show its schema revision.")

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="Database URL; default $TANBIH_DATABASE_URL, else $TANBIH_DATA_DIR/tanbih.db.",
        show_default=False,
    ),
]


def database_url(given: str | None = None) -> str:
    """The URL to use: as given, else from the environment, else the embedded SQLite file."""
    return given or Settings.from_env().store_url


@app.command("upgrade")
def upgrade_command(database_url_option: DatabaseUrl = None) -> None:
    """Migrate the database to the newest schema (creates a SQLite file and its directory)."""
    url = database_url(database_url_option)
    try:
        asyncio.run(upgrade(url))
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    typer.echo(f"database at revision {head_revision()} (head)")


@app.command("current")
def current_command(database_url_option: DatabaseUrl = None) -> None:
    """Print the database's schema revision, and whether it is the newest."""
    try:
        revision = asyncio.run(current_revision(database_url(database_url_option)))
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    if revision is None:
        typer.echo("none (never migrated: run `tanbih db upgrade`)")
    elif revision == head_revision():
        typer.echo(f"{revision} (head)")
    else:
        typer.echo(f"{revision} (behind {head_revision()}: run `tanbih db upgrade`)")

"""``tanbih serve``: run a node, in one process or in several workers.

With ``--workers N`` (N > 1) uvicorn starts N processes on one listening socket. Each is a
whole node over the same store and the same bus: the dispatchers claim different outbox rows
(``FOR UPDATE SKIP LOCKED`` on PostgreSQL), the links' durable consumers share the inbound
messages, and an outbound message is published by whichever worker sees it first (JetStream
drops the others by ``Nats-Msg-Id``). Every worker keeps the reports posted to it in the
observation log, and the one holding the assessor's lease assesses them all, in log order
(:mod:`tanbih.pipeline.assessment`). A killed worker's claimed notifications are taken up
again when their lease runs out, and its unacknowledged bus messages after the ack wait.
The parent migrates the store and makes the node secret once, before any worker starts, so
workers never race at it. Several workers want PostgreSQL, and NATS where the node has peers:
a SQLite file serialises the writers and the in-process bus does not cross processes.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from tanbih.settings import Settings

FACTORY = "tanbih.api.app:app_from_env"
WORKER_START_S = 120


def serve(
    coalition_file: Annotated[
        Path | None, typer.Option("--coalition", help="Coalition file (TANBIH_COALITION).")
    ] = None,
    database_url: Annotated[
        str | None, typer.Option(help="Database URL (TANBIH_DATABASE_URL); default SQLite.")
    ] = None,
    data_dir: Annotated[Path | None, typer.Option(help="Data directory (TANBIH_DATA_DIR).")] = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (TANBIH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (TANBIH_PORT).")] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes sharing the port, the store and the bus.")
    ] = 1,
) -> None:
    """Run a node: the API on HOST:PORT over the configured store and coalition."""
    import uvicorn  # noqa: PLC0415 -- only the server needs it; keeps other commands quick

    from tanbih.api.app import create_app  # noqa: PLC0415

    base = Settings.from_env()
    settings = replace(
        base,
        coalition_file=coalition_file or base.coalition_file,
        database_url=database_url or base.database_url,
        data_dir=data_dir or base.data_dir,
        host=host or base.host,
        port=port or base.port,
    )
    if workers == 1:
        app_ = create_app(settings, long_running=True)
        uvicorn.run(app_, host=settings.host, port=settings.port, log_level="info")
        return
    problem = _several_workers_problem(settings)
    if problem:
        typer.echo(f"error: --workers {workers}: {problem}", err=True)
        raise typer.Exit(code=2)
    _prepare_shared_state(settings)
    # Workers read their settings from the environment: hand them the options given here.
    os.environ.update(
        {
            "TANBIH_COALITION": str(settings.coalition_file),
            "TANBIH_DATABASE_URL": settings.store_url,
            "TANBIH_DATA_DIR": str(settings.data_dir),
            "TANBIH_HOST": settings.host,
            "TANBIH_PORT": str(settings.port),
            "TANBIH_WORKERS": str(workers),
        }
    )
    uvicorn.run(
        FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=workers,
        # A worker answers the supervisor's health check only once its node has started
        # (coalition, zone index, store, links): give that more than uvicorn's 5 s.
        timeout_worker_healthcheck=WORKER_START_S,
        log_level="info",
    )


def _several_workers_problem(settings: Settings) -> str | None:
    """Why ``settings`` cannot run in several processes, if they cannot."""
    if settings.store_url.startswith("sqlite"):
        return "needs PostgreSQL (TANBIH_DATABASE_URL), not a SQLite file"
    if settings.peers and not settings.bus_url.startswith("nats"):
        return "a node with peers needs NATS (TANBIH_BUS_URL=nats://...) to share its links"
    return None


def _prepare_shared_state(settings: Settings) -> None:
    from tanbih.adapters.secret_file import node_secret  # noqa: PLC0415
    from tanbih.adapters.store import upgrade  # noqa: PLC0415

    asyncio.run(upgrade(settings.store_url))
    node_secret(settings.node_secret, settings.secret_file)

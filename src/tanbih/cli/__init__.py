"""The ``tanbih`` command line: one root app, a sub-app per concern."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer

from tanbih.cli import (
    agreement,
    audit,
    bus,
    cap,
    coalition,
    db,
    dispatch,
    exercise,
    keys,
    observe,
    serve,
)
from tanbih.settings import Settings

DEMO_SCENARIO = Path("examples/scenarios/uav-towards-haifa.yaml")
DEMO_SIGNING_KEY = Path("examples/coalition/keys/coord-demo-2026.key.pem")

app = typer.Typer(
    name="tanbih",
    help="Coalition air-threat early warning and rapid notification over CAP 1.2.",
    no_args_is_help=True,
)
app.add_typer(cap.app, name="cap")
app.add_typer(coalition.app, name="coalition")
app.add_typer(db.app, name="db")
app.add_typer(agreement.app, name="agreement")
app.add_typer(audit.app, name="audit")
app.add_typer(keys.app, name="keys")
app.add_typer(dispatch.app, name="dispatch")
app.add_typer(bus.app, name="bus")
app.add_typer(exercise.app, name="exercise")
app.command()(serve.serve)
app.command()(observe.observe)
app.command()(observe.assess)


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    data_dir: Annotated[Path, typer.Option(help="Where the demo's SQLite file lives.")] = Path(
        "data/demo"
    ),
    scenario: Annotated[
        Path | None, typer.Option(help="Exercise scenario played in real time, in a loop.")
    ] = DEMO_SCENARIO,
) -> None:
    """The demo: the demo coalition on 127.0.0.1:PORT with example Exercise alerts played in."""
    from tanbih.cli.demo import run_demo  # noqa: PLC0415 -- only the demo needs the server

    base = Settings.from_env()
    settings = replace(
        base,
        port=port,
        data_dir=data_dir,
        database_url="",
        signing_key=base.signing_key or DEMO_SIGNING_KEY,
    )
    asyncio.run(run_demo(settings, scenario))

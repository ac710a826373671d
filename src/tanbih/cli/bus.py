"""``tanbih bus``: set up the coalition's JetStream streams and consumers with the operator's
credentials, for a server where partners' own credentials may not (docs/operations.md)."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from tanbih.adapters.bus import JetStreamBus, JetStreamOptions
from tanbih.domain.federation import Kind, Topology
from tanbih.errors import BusError
from tanbih.settings import Settings

app = typer.Typer(no_args_is_help=True, help="The coalition's NATS JetStream bus.")


@app.command()
def provision(
    partners: Annotated[
        str, typer.Option(help="Partners running a node, comma-separated: coord,il,sa")
    ],
    url: Annotated[
        str | None, typer.Option(help="NATS URL with the operator's user (TANBIH_BUS_URL).")
    ] = None,
    prefix: Annotated[
        str | None, typer.Option(help="Subject prefix (TANBIH_BUS_PREFIX, default tanbih).")
    ] = None,
) -> None:
    """Create the streams, and each partner's durable consumers (one per kind)."""
    settings = Settings.from_env()
    bus_url = url or settings.bus_url
    if not bus_url.startswith("nats"):
        typer.echo("error: give a nats:// URL (--url or TANBIH_BUS_URL)", err=True)
        raise typer.Exit(code=2)
    topology = Topology(prefix or settings.bus_prefix)
    names = [name.strip() for name in partners.split(",") if name.strip()]
    options = JetStreamOptions(ack_wait=settings.bus_ack_wait)
    try:
        asyncio.run(_provision(bus_url, topology, names, options))
    except BusError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc
    for name in names:
        durables = ", ".join(topology.durable(kind, name) for kind in Kind)
        typer.echo(f"{name}: {durables}")


async def _provision(
    url: str, topology: Topology, partners: list[str], options: JetStreamOptions
) -> None:
    bus = await JetStreamBus.connect(url, topology.streams(), options)
    try:
        for partner in partners:
            for kind in Kind:
                await bus.provision(topology.inbox(kind, partner), topology.durable(kind, partner))
    finally:
        await bus.close()

"""``tanbih dispatch``: a dispatch worker process, delivering the outbox until stopped.

Run as many as the channels need: on PostgreSQL each claims different rows (``SKIP LOCKED``);
on SQLite they take turns at the file. SIGTERM or Ctrl-C stops claiming, lets what is in flight
finish and be settled, then exits; SIGKILL loses nothing either, but what was in flight is sent
again, with the same idempotency key, once its lease runs out ("Delivery guarantees" in
docs/notification.md).

For now the worker sends webhooks only, each prepared as the node's own dispatcher prepares it
(:class:`tanbih.pipeline.prepare.PrepareDelivery`): the partner's copy of the message as the
sharing matrix releases it, the redacted copies it sends remembered for the partner's Ack. It
reads the coalition file, the node secret and the signing key from the node's settings
(``TANBIH_COALITION``, ``TANBIH_NODE_SECRET`` or the data directory's secret file,
``TANBIH_SIGNING_KEY``): run it with the node's, or its relayed copies would not match the
node's.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer

from tanbih.adapters.channels import ChannelSettings, HttpTimeouts, WebhookSettings, build_channels
from tanbih.adapters.clock import SystemClock
from tanbih.adapters.secret_file import node_secret
from tanbih.adapters.store import current_revision, head_revision, open_store
from tanbih.cli.db import DatabaseUrl, database_url
from tanbih.coalition import load_coalition
from tanbih.domain.coalition import ChannelKind
from tanbih.errors import CoalitionError, ConfigurationError, StoreError
from tanbih.pipeline.delivery_attempt import DispatchSettings
from tanbih.pipeline.dispatch import Dispatcher
from tanbih.pipeline.prepare import PrepareDelivery
from tanbih.pipeline.release import Releasability, relay_for
from tanbih.pipeline.signing import Signatures
from tanbih.settings import Settings

app = typer.Typer(help="Deliver the outbox: a dispatch worker process.")

log = logging.getLogger("tanbih.dispatch")


@app.callback(invoke_without_command=True)
def dispatch(
    database_url_option: DatabaseUrl = None,
    worker_id: Annotated[
        str | None,
        typer.Option(help="Name of this worker in claims; unique per process. Default HOST-PID."),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, help="Notifications in flight at once, per channel kind.")
    ] = 16,
    lease: Annotated[
        float, typer.Option(min=0.1, help="Seconds a claim holds a row before others may retry it.")
    ] = 60.0,
    send_timeout: Annotated[
        float, typer.Option(min=0.01, help="Seconds allowed to one attempt.")
    ] = 10.0,
    poll_interval: Annotated[
        float, typer.Option(min=0.01, help="Longest wait, in seconds, between claims.")
    ] = 1.0,
    webhook_secret: Annotated[
        str,
        typer.Option(
            envvar="TANBIH_WEBHOOK_SECRET", help="Secret webhooks are signed with (HMAC-SHA256)."
        ),
    ] = "",
) -> None:
    """Claim due notifications and deliver them until SIGTERM or Ctrl-C."""
    if not webhook_secret:
        typer.echo(
            "error: no webhook secret: set --webhook-secret or TANBIH_WEBHOOK_SECRET", err=True
        )
        raise typer.Exit(code=2)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    try:
        settings = DispatchSettings(
            worker_id=worker_id or f"{socket.gethostname()}-{os.getpid()}",
            concurrency=concurrency,
            send_timeout=send_timeout,
            lease=timedelta(seconds=lease),
            poll_interval=poll_interval,
        )
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    try:
        parts = _node_parts(Settings.from_env())
    except (CoalitionError, ConfigurationError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    try:
        url = database_url(database_url_option)
        asyncio.run(_work(url, settings, webhook_secret, parts))
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc


@dataclass(frozen=True, slots=True)
class NodeParts:
    """What a worker needs of its node to prepare deliveries as the node's own dispatcher does."""

    releasability: Releasability
    secret: bytes
    public_url: str


def _node_parts(node: Settings) -> NodeParts:
    """The node's sharing matrix, relay, signature and secret, from the node's own settings."""
    coalition = load_coalition(node.coalition_file)
    secret = node_secret(node.node_secret, node.secret_file)
    key_pem = node.signing_key.read_bytes() if node.signing_key else None
    signatures = Signatures(coalition, key_pem)
    releasability = Releasability(coalition, relay_for(coalition, secret), signatures.sign)
    return NodeParts(releasability, secret, node.base_url)


async def _work(
    url: str, settings: DispatchSettings, webhook_secret: str, parts: NodeParts
) -> None:
    # Workers never migrate: several starting at once would race; `tanbih db upgrade` does it.
    revision = await current_revision(url)
    if revision != head_revision():
        raise StoreError(
            f"database at revision {revision}, not {head_revision()}: run `tanbih db upgrade`"
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    channel_settings = ChannelSettings(
        webhook=WebhookSettings(secret=webhook_secret),
        http=HttpTimeouts(total=settings.send_timeout),
    )
    async with AsyncExitStack() as stack:
        store = await open_store(url, migrate=False)
        stack.push_async_callback(store.close)
        channels = build_channels(channel_settings, stack)
        webhook = {ChannelKind.WEBHOOK: channels[ChannelKind.WEBHOOK]}
        clock = SystemClock()
        prepare = PrepareDelivery(store, clock, parts.secret, parts.public_url, parts.releasability)
        worker = Dispatcher(store, webhook, prepare, clock, settings)
        log.info(
            "worker %s delivering webhooks, %d at once", settings.worker_id, settings.concurrency
        )
        await worker.run(stop)
    log.info("worker %s stopped", settings.worker_id)


if __name__ == "__main__":
    app()

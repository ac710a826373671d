"""``tanbih dispatch``: a dispatch worker process, delivering the outbox until stopped.

Run as many as the channels need: on PostgreSQL each claims different rows (``SKIP LOCKED``);
on SQLite they take turns at the file. SIGTERM or Ctrl-C stops claiming, lets what is in flight
finish and be settled, then exits; SIGKILL loses nothing either, but what was in flight is sent
again, with the same idempotency key, once its lease runs out ("Delivery guarantees" in
docs/notification.md).

For now the worker sends webhooks only: each partner's copy of the message, as the sharing
matrix releases it (:meth:`tanbih.pipeline.release.Releasability.copy_for`). It reads the
coalition file, the node secret and the signing key from the node's settings
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
from datetime import timedelta
from typing import Annotated

import typer

from tanbih import cap
from tanbih.adapters.channels import ChannelSettings, HttpTimeouts, WebhookSettings, build_channels
from tanbih.adapters.clock import SystemClock
from tanbih.adapters.secret_file import node_secret
from tanbih.adapters.store import current_revision, head_revision, open_store
from tanbih.cli.db import DatabaseUrl, database_url
from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, Notification, Wording
from tanbih.domain.records import AlertRecord
from tanbih.domain.releasability import Level
from tanbih.errors import CoalitionError, ConfigurationError, StoreError, WithheldError
from tanbih.pipeline.delivery_attempt import DispatchSettings, Prepare
from tanbih.pipeline.dispatch import Dispatcher
from tanbih.pipeline.release import Releasability, relay_for
from tanbih.pipeline.signing import Signatures
from tanbih.ports import AlertStore
from tanbih.settings import Settings

app = typer.Typer(help="Deliver the outbox: a dispatch worker process.")

log = logging.getLogger("tanbih.dispatch")

_CACHED_ALERTS = 256


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
        releasability = _releasability(Settings.from_env())
    except (CoalitionError, ConfigurationError, OSError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from exc
    try:
        url = database_url(database_url_option)
        asyncio.run(_work(url, settings, webhook_secret, releasability))
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc


def _releasability(node: Settings) -> Releasability:
    """The node's sharing matrix, relay and signature, from the node's own settings."""
    coalition = load_coalition(node.coalition_file)
    secret = node_secret(node.node_secret, node.secret_file)
    key_pem = node.signing_key.read_bytes() if node.signing_key else None
    signatures = Signatures(coalition, key_pem)
    return Releasability(coalition, relay_for(coalition, secret), signatures.sign)


async def _work(
    url: str, settings: DispatchSettings, webhook_secret: str, releasability: Releasability
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
        prepare = released_cap(store, releasability)
        worker = Dispatcher(store, webhook, prepare, SystemClock(), settings)
        log.info(
            "worker %s delivering webhooks, %d at once", settings.worker_id, settings.concurrency
        )
        await worker.run(stop)
    log.info("worker %s stopped", settings.worker_id)


def released_cap(store: AlertStore, releasability: Releasability) -> Prepare:
    """Deliveries carrying the recipient partner's copy of the message: all a webhook sends.

    A message released in full goes as its stored bytes, unread; one the matrix withholds from
    the partner raises ``WithheldError``: it is not sent.
    """
    records: dict[str, AlertRecord] = {}
    parsed: dict[str, Alert] = {}

    async def prepare(notification: Notification) -> Delivery:
        record = records.get(notification.alert_id)
        if record is None:
            record = await store.get(notification.alert_id)
            if record is None:
                raise LookupError(f"alert {notification.alert_id} is not stored")
            if len(records) >= _CACHED_ALERTS:
                records.clear()
                parsed.clear()
            records[notification.alert_id] = record
        partner = notification.recipient.partner_id
        words = Wording(notification.recipient.language, "", "", "", "")
        if releasability.level_of(record, partner) is Level.FULL:
            return Delivery(
                notification, record.xml, words, ack_code="", ack_url="", message_id=record.id
            )
        alert = parsed.get(record.id) or parsed.setdefault(record.id, cap.parse_stored(record.xml))
        copy = releasability.copy_for(record, alert, partner)
        if copy is None:
            raise WithheldError(
                f"message {record.id} is released to partner {partner!r} not at all"
            )
        known_id = releasability.known_id(record, copy.level)
        return Delivery(notification, copy.xml, words, ack_code="", ack_url="", message_id=known_id)

    return prepare


if __name__ == "__main__":
    app()

"""``tanbih dispatch``: a dispatch worker process, delivering the outbox until stopped.

Run as many as the channels need: on PostgreSQL each claims different rows (``SKIP LOCKED``);
on SQLite they take turns at the file. SIGTERM or Ctrl-C stops claiming, lets what is in flight
finish and be settled, then exits; SIGKILL loses nothing either, but what was in flight is sent
again, with the same idempotency key, once its lease runs out ("Delivery guarantees" in
docs/notification.md).

For now the worker sends webhooks only, with the message's stored CAP bytes.
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

from tanbih.adapters.channels import ChannelSettings, HttpTimeouts, WebhookSettings, build_channels
from tanbih.adapters.clock import SystemClock
from tanbih.adapters.store import current_revision, head_revision, open_store
from tanbih.cli.db import DatabaseUrl, database_url
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, Notification, Wording
from tanbih.errors import StoreError
from tanbih.pipeline.delivery_attempt import DispatchSettings, Prepare
from tanbih.pipeline.dispatch import Dispatcher
from tanbih.ports import AlertStore

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
        asyncio.run(_work(database_url(database_url_option), settings, webhook_secret))
    except StoreError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from exc


async def _work(url: str, settings: DispatchSettings, webhook_secret: str) -> None:
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
        worker = Dispatcher(store, webhook, stored_cap(store), SystemClock(), settings)
        log.info(
            "worker %s delivering webhooks, %d at once", settings.worker_id, settings.concurrency
        )
        await worker.run(stop)
    log.info("worker %s stopped", settings.worker_id)


def stored_cap(store: AlertStore) -> Prepare:
    """Deliveries carrying the message's stored CAP bytes: all the webhook channel sends."""
    xml_of: dict[str, bytes] = {}

    async def prepare(notification: Notification) -> Delivery:
        xml = xml_of.get(notification.alert_id)
        if xml is None:
            record = await store.get(notification.alert_id)
            if record is None:
                raise LookupError(f"alert {notification.alert_id} is not stored")
            if len(xml_of) >= _CACHED_ALERTS:
                xml_of.clear()
            xml = xml_of[notification.alert_id] = record.xml
        words = Wording(notification.recipient.language, "", "", "", "")
        return Delivery(notification, xml, words, ack_code="", ack_url="")

    return prepare


if __name__ == "__main__":
    app()

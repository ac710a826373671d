"""A SQL store, a real webhook receiver on loopback and the real webhook channel, per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import pytest
from tests.fakes.http_server import serve
from tests.fakes.receiver import Receiver
from tests.integration.store.samples import T0, accepted, record, transition
from tests.unit.cap.cap_strategies import plain_alert

from tanbih.adapters.channels import (
    ChannelSettings,
    HttpTimeouts,
    WebhookSettings,
    build_channels,
)
from tanbih.adapters.store import SqlStore, open_store
from tanbih.cap import emit_xml
from tanbih.coalition import load_coalition
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import Notification, Recipient, notification_key
from tanbih.domain.records import AlertRecord
from tanbih.pipeline.release import Releasability, relay_for
from tanbih.ports import Channel

SECRET = "outbox-test-secret"
# A coalition without a sharing section: every message goes to every partner in full.
SHARED_COALITION = """
format: tanbih-coalition/1
coalition: {name: outbox test, version: "1"}
node: {partner: hub, sender: hub@hub.example.org}
partners:
  - {id: hub, name: Hub, role: coordinator, languages: [en], senders: [hub@hub.example.org]}
"""


def shared_coalition_file(directory: Path) -> Path:
    """:data:`SHARED_COALITION` written in ``directory``."""
    path = directory / "coalition.yaml"
    path.write_text(SHARED_COALITION)
    return path


def cap_record(identifier: str, **changes: Any) -> AlertRecord:
    """A stored message (samples' ``record``) whose bytes are real CAP, as accepted ones are:
    the worker reads a message to learn whose reports it rests on."""
    return replace(record(identifier, **changes), xml=emit_xml(plain_alert()))


def everything_shared() -> Releasability:
    """Releasability under :data:`SHARED_COALITION`: every copy is the stored message."""
    with TemporaryDirectory() as directory:
        coalition = load_coalition(shared_coalition_file(Path(directory)))
    return Releasability(coalition, relay_for(coalition, SECRET.encode()), lambda xml: xml)


@dataclass
class Outbox:
    """What a dispatch test stands on: the store, the receiver and its URL, the channel."""

    store: SqlStore
    receiver: Receiver
    base_url: str
    webhook: Channel
    alert: AlertRecord

    def notifications(self, count: int) -> list[Notification]:
        """Webhook notifications of the stored message to ``count`` contacts, created at T0."""
        made = []
        for i in range(count):
            channel = ChannelAddress(ChannelKind.WEBHOOK, f"{self.base_url}/hook/{i}")
            made.append(
                Notification(
                    key=notification_key(self.alert.id, f"contact-{i}", channel),
                    alert_id=self.alert.id,
                    status=self.alert.status,
                    recipient=Recipient("jo", f"contact-{i}", channel, "en"),
                    escalation_step=0,
                    created_at=T0,
                    deadline=T0 + timedelta(minutes=5),
                )
            )
        return made


@pytest.fixture
async def outbox(store_url: str) -> AsyncIterator[Outbox]:
    """A migrated store holding one message, a receiver answering 200, the webhook channel."""
    receiver = Receiver()
    async with AsyncExitStack() as stack:
        base_url = await stack.enter_async_context(serve(receiver.app))
        store = await open_store(store_url)
        stack.push_async_callback(store.close)
        settings = ChannelSettings(
            webhook=WebhookSettings(secret=SECRET), http=HttpTimeouts(total=2.0)
        )
        webhook = build_channels(settings, stack)[ChannelKind.WEBHOOK]
        rec = cap_record("m1")
        await store.record(rec, transition(rec), accepted(rec))
        yield Outbox(store, receiver, base_url, webhook, rec)

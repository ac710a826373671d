"""A SQL store, a real webhook receiver on loopback and the real webhook channel, per backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta

import pytest
from tests.fakes.http_server import serve
from tests.fakes.receiver import Receiver
from tests.integration.store.samples import T0, accepted, record, transition

from tanbih.adapters.channels import (
    ChannelSettings,
    HttpTimeouts,
    WebhookSettings,
    build_channels,
)
from tanbih.adapters.store import SqlStore, open_store
from tanbih.domain.coalition import ChannelAddress, ChannelKind
from tanbih.domain.notification import Notification, Recipient, notification_key
from tanbih.domain.records import AlertRecord
from tanbih.ports import Channel

SECRET = "outbox-test-secret"


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
        rec = record("m1")
        await store.record(rec, transition(rec), accepted(rec))
        yield Outbox(store, receiver, base_url, webhook, rec)

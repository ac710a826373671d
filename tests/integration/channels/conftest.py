"""The real servers the channel tests send to, and the factory of deliveries."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from tests.fakes.carrier import FakeCarrier
from tests.fakes.http_server import serve
from tests.fakes.receiver import Receiver
from tests.integration.channels.deliveries import DeliveryFactory, make_delivery

from tanbih.adapters.channels.registry import http_session
from tanbih.adapters.channels.settings import HttpTimeouts


@pytest.fixture
def delivery() -> DeliveryFactory:
    """The factory of test deliveries."""
    return make_delivery


@pytest.fixture
async def http_client() -> AsyncIterator[aiohttp.ClientSession]:
    """The registry's HTTP session for channels, with short timeouts, closed after the test."""
    async with http_session(HttpTimeouts(connect=1.0, total=2.0)) as session:
        yield session


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    """A recording HTTP receiver that answers 200, served on loopback, and its base URL."""
    endpoint = Receiver()
    async with serve(endpoint.app) as base_url:
        yield endpoint, base_url


@pytest.fixture
async def carrier_callbacks() -> AsyncIterator[tuple[Receiver, str]]:
    """The node's side of carrier callbacks: a recording receiver and its base URL."""
    endpoint = Receiver()
    async with serve(endpoint.app) as base_url:
        yield endpoint, base_url


@pytest.fixture
async def carrier(
    carrier_callbacks: tuple[Receiver, str],
) -> AsyncIterator[tuple[FakeCarrier, str]]:
    """A fake Twilio-shaped carrier on loopback (replies go to the callback receiver)."""
    _, callback_base = carrier_callbacks
    fake = FakeCarrier(inbound_sms_url=f"{callback_base}/twilio/messages/inbound")
    async with serve(fake.app) as base_url:
        yield fake, base_url


@pytest.fixture
async def backup_carrier() -> AsyncIterator[tuple[FakeCarrier, str]]:
    """A second, independent fake carrier account, for failover."""
    fake = FakeCarrier()
    async with serve(fake.app) as base_url:
        yield fake, base_url

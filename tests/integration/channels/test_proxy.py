"""Channels reach partner systems through the outbound proxy the environment names."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import aiohttp
import pytest
from starlette.types import Receive, Scope, Send
from tests.fakes.http_server import serve
from tests.fakes.receiver import Receiver
from tests.integration.channels.deliveries import DeliveryFactory
from tests.integration.channels.test_webhook import channel

from tanbih.adapters.channels.proxies import environment_proxy
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome

# Resolvable by nobody: only a proxy can carry a request there.
PARTNER_WEBHOOK = "http://webhooks.partner.invalid/cap"


@dataclass(frozen=True)
class Proxied:
    """A request as a forward proxy gets it: the target in absolute form, and the body."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


class ForwardProxy:
    """An HTTP forward proxy that answers every request itself with 200, recording it."""

    def __init__(self) -> None:
        self.requests: list[Proxied] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        # h11 gives the request target as written: absolute form, as a client sends a proxy.
        self.requests.append(Proxied(scope["method"], scope["raw_path"].decode(), headers, body))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@pytest.fixture
async def forward_proxy() -> AsyncIterator[tuple[ForwardProxy, str]]:
    """The recording forward proxy, on loopback, and its URL."""
    proxy = ForwardProxy()
    async with serve(proxy) as url:
        yield proxy, url


@pytest.fixture(autouse=True)
def proxy_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No proxy variable of the machine's own, and the answers read afresh in each test."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
    environment_proxy.cache_clear()
    yield
    environment_proxy.cache_clear()


async def test_a_webhook_goes_through_the_proxy_the_environment_names(
    http_client: aiohttp.ClientSession,
    forward_proxy: tuple[ForwardProxy, str],
    delivery: DeliveryFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With HTTP_PROXY set, the partner's address is asked of the proxy, signed body and all."""
    proxy, proxy_url = forward_proxy
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    sent = delivery(ChannelKind.WEBHOOK, PARTNER_WEBHOOK)

    result = await channel(http_client).send(sent)

    assert result.outcome is DeliveryOutcome.DELIVERED
    [request] = proxy.requests
    assert (request.method, request.target) == ("POST", PARTNER_WEBHOOK)
    assert request.headers["x-tanbih-signature"].startswith("v1=")
    assert request.body == sent.cap_xml


async def test_a_host_no_proxy_names_is_reached_directly(
    http_client: aiohttp.ClientSession,
    forward_proxy: tuple[ForwardProxy, str],
    receiver: tuple[Receiver, str],
    delivery: DeliveryFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """NO_PROXY's hosts bypass the proxy: the partner's own receiver gets the webhook."""
    proxy, proxy_url = forward_proxy
    partner, partner_url = receiver
    monkeypatch.setenv("HTTP_PROXY", proxy_url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    result = await channel(http_client).send(delivery(ChannelKind.WEBHOOK, f"{partner_url}/cap"))

    assert result.outcome is DeliveryOutcome.DELIVERED
    assert proxy.requests == []
    assert [r.path for r in partner.requests] == ["/cap"]

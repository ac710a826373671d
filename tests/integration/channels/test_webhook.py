"""The webhook channel against a real HTTP receiver that verifies tanbih's signature."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from types import MappingProxyType

import aiohttp
import pytest
from tests.fakes.http_server import free_port, serve
from tests.fakes.receiver import Received, Receiver, Reply
from tests.integration.channels.deliveries import CAP_XML, DeliveryFactory

from tanbih.adapters.channels.settings import PartnerWebhook, WebhookFormat, WebhookSettings
from tanbih.adapters.channels.webhook import WebhookChannel
from tanbih.adapters.channels.webhook_signature import (
    WebhookCheck,
    signature_headers,
    verify_webhook,
)
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import DeliveryOutcome

SECRET = "il-shared-secret"


def verifying(secret: str) -> Receiver:
    """A partner receiver: 204 for a request signed with ``secret`` now, 401 otherwise."""

    def answer(request: Received) -> Reply:
        check = verify_webhook(secret, request.headers, request.body, datetime.now(UTC))
        return Reply(204) if check else Reply(401, check.value.encode())

    return Receiver(answer)


def channel(
    client: aiohttp.ClientSession, partners: Mapping[str, PartnerWebhook] | None = None
) -> WebhookChannel:
    """The webhook channel with the global secret, and per-partner terms if given."""
    webhook = WebhookSettings(secret=SECRET, partners=MappingProxyType(dict(partners or {})))
    return WebhookChannel(client, webhook, deadline=2.0)


async def test_signed_cap_xml_is_delivered_and_verified_by_the_receiver(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory
) -> None:
    """A 2xx from a receiver that checked the signature means delivered; the XML arrives as sent."""
    partner = verifying(SECRET)
    async with serve(partner.app) as base:
        sent = delivery(ChannelKind.WEBHOOK, f"{base}/cap")
        result = await channel(http_client).send(sent)
    (request,) = partner.requests
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert request.body == CAP_XML
    assert request.headers["content-type"] == "application/cap+xml"
    assert request.headers["idempotency-key"] == sent.notification.key
    assert request.headers["x-tanbih-signature"].startswith("v1=")


async def test_exercise_traffic_is_marked_in_the_webhook_headers(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory
) -> None:
    """An Exercise message says so in X-Tanbih-Status, besides the CAP status inside."""
    partner = verifying(SECRET)
    async with serve(partner.app) as base:
        await channel(http_client).send(delivery(ChannelKind.WEBHOOK, f"{base}/cap"))
    assert partner.requests[0].headers["x-tanbih-status"] == "Exercise"
    assert b"<status>Exercise</status>" in partner.requests[0].body


async def test_partner_asking_for_json_gets_the_cap_json_mirror(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory
) -> None:
    """A partner configured for JSON receives the signed JSON mirror of the same alert."""
    partner = verifying("jo-secret")
    partners = {"jo": PartnerWebhook(secret="jo-secret", format=WebhookFormat.JSON)}
    async with serve(partner.app) as base:
        sent = delivery(ChannelKind.WEBHOOK, f"{base}/cap", partner_id="jo")
        result = await channel(http_client, partners=partners).send(sent)
    (request,) = partner.requests
    assert result.outcome is DeliveryOutcome.DELIVERED, result.error
    assert request.headers["content-type"] == "application/json"
    mirror = json.loads(request.body)
    assert (mirror["identifier"], mirror["status"]) == ("tanbih-test-0001", "Exercise")


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (500, DeliveryOutcome.RETRY),
        (503, DeliveryOutcome.RETRY),
        (429, DeliveryOutcome.RETRY),
        (408, DeliveryOutcome.RETRY),
        (400, DeliveryOutcome.FAILED),
        (404, DeliveryOutcome.FAILED),
        (410, DeliveryOutcome.FAILED),
        (301, DeliveryOutcome.FAILED),
    ],
)
async def test_receiver_status_decides_retry_or_permanent_failure(
    http_client: aiohttp.ClientSession,
    delivery: DeliveryFactory,
    receiver: tuple[Receiver, str],
    status: int,
    outcome: DeliveryOutcome,
) -> None:
    """5xx, 408 and 429 are retried; other 4xx (and unfollowed redirects) fail for good."""
    endpoint, base = receiver
    endpoint.reply_next(Reply(status, headers={"Location": f"{base}/elsewhere"}))
    result = await channel(http_client).send(delivery(ChannelKind.WEBHOOK, f"{base}/cap"))
    assert result.outcome is outcome
    assert f"HTTP {status}" in (result.error or "")


async def test_retry_after_from_a_busy_receiver_is_kept_in_the_error(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """A 503 with Retry-After: 120 says how long the receiver asked us to wait."""
    endpoint, base = receiver
    endpoint.reply_next(Reply(503, headers={"Retry-After": "120"}))
    result = await channel(http_client).send(delivery(ChannelKind.WEBHOOK, f"{base}/cap"))
    assert result.outcome is DeliveryOutcome.RETRY
    assert "retry after 120 s" in (result.error or "")


async def test_receiver_that_does_not_answer_in_time_is_retried(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """A receiver holding the request past the deadline gives a retryable timeout."""
    endpoint, base = receiver
    release = asyncio.Event()
    endpoint.reply_next(Reply(200, hold=release))
    hurried = WebhookChannel(http_client, WebhookSettings(secret=SECRET), deadline=0.2)
    try:
        result = await hurried.send(delivery(ChannelKind.WEBHOOK, f"{base}/cap"))
    finally:
        release.set()
    assert result.outcome is DeliveryOutcome.RETRY
    assert (result.error or "").startswith("timeout")


async def test_refused_connection_is_retried(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory
) -> None:
    """Nobody listening at the address is a transient failure, not a permanent one."""
    url = f"http://127.0.0.1:{free_port()}/cap"
    result = await channel(http_client).send(delivery(ChannelKind.WEBHOOK, url))
    assert result.outcome is DeliveryOutcome.RETRY
    assert (result.error or "").startswith("connection failed")


@pytest.mark.parametrize(
    "url", ["ftp://127.0.0.1/cap", "http://", "http://a..b/cap", "http://127.0.0.1:99999/cap"]
)
async def test_address_no_request_can_reach_fails_for_good(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, url: str
) -> None:
    """A malformed or non-HTTP address is a configuration fault: failed, never retried."""
    result = await channel(http_client).send(delivery(ChannelKind.WEBHOOK, url))
    assert result.outcome is DeliveryOutcome.FAILED
    assert (result.error or "").startswith("bad URL")


async def test_partner_without_a_secret_is_never_sent_an_unsigned_webhook(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """No secret for the partner and none global: permanent failure, and nothing is sent."""
    endpoint, base = receiver
    unsigned = WebhookChannel(http_client, WebhookSettings(), deadline=2.0)
    result = await unsigned.send(delivery(ChannelKind.WEBHOOK, f"{base}/cap"))
    assert result.outcome is DeliveryOutcome.FAILED
    assert endpoint.requests == []


async def test_retries_carry_the_same_idempotency_key(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory, receiver: tuple[Receiver, str]
) -> None:
    """Two attempts of one notification carry one Idempotency-Key, so the receiver can dedupe."""
    endpoint, base = receiver
    endpoint.reply_next(Reply(503))
    sent = delivery(ChannelKind.WEBHOOK, f"{base}/cap")
    first = await channel(http_client).send(sent)
    second = await channel(http_client).send(sent)
    keys = {request.headers["idempotency-key"] for request in endpoint.requests}
    assert (first.outcome, second.outcome) == (DeliveryOutcome.RETRY, DeliveryOutcome.DELIVERED)
    assert keys == {sent.notification.key}


# The receiver-side check partners run.

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
BODY = b"<alert>body</alert>"


def signed(secret: str = SECRET, at: datetime = NOW, body: bytes = BODY) -> dict[str, str]:
    return signature_headers(secret, int(at.timestamp()), body)


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        (signed(), BODY, WebhookCheck.VALID),
        (signed(at=NOW - timedelta(minutes=4)), BODY, WebhookCheck.VALID),
        (signed(), b"<alert>tampered</alert>", WebhookCheck.BAD_SIGNATURE),
        (signed(secret="someone-else"), BODY, WebhookCheck.BAD_SIGNATURE),
        (signed(at=NOW - timedelta(minutes=6)), BODY, WebhookCheck.STALE),
        (signed(at=NOW + timedelta(minutes=6)), BODY, WebhookCheck.STALE),
        ({"X-Tanbih-Timestamp": "1"}, BODY, WebhookCheck.MISSING),
        ({**signed(), "X-Tanbih-Timestamp": "yesterday"}, BODY, WebhookCheck.MALFORMED),
        ({**signed(), "X-Tanbih-Signature": "v0=abc"}, BODY, WebhookCheck.MALFORMED),
        ({**signed(), "X-Tanbih-Signature": "v1=" + "é" * 64}, BODY, WebhookCheck.MALFORMED),
    ],
    ids=[
        "valid",
        "within-window",
        "tampered-body",
        "wrong-secret",
        "replayed-late",
        "from-the-future",
        "no-signature",
        "bad-timestamp",
        "unknown-scheme",
        "non-hex",
    ],
)
def test_verifier_accepts_only_fresh_untampered_requests(
    headers: dict[str, str], body: bytes, expected: WebhookCheck
) -> None:
    """The verifier refuses tampered bodies, other secrets, replays past 5 min, junk headers."""
    assert verify_webhook(SECRET, headers, body, NOW) is expected


def test_verifier_accepts_either_secret_during_rotation() -> None:
    """A receiver rotating secrets accepts a request signed with the old or the new one."""
    lowercase = {name.lower(): value for name, value in signed(secret="old").items()}
    assert verify_webhook(["new", "old"], lowercase, BODY, NOW) is WebhookCheck.VALID
    assert verify_webhook(["new"], lowercase, BODY, NOW) is WebhookCheck.BAD_SIGNATURE


async def test_replayed_request_is_refused_by_a_verifying_receiver(
    http_client: aiohttp.ClientSession, delivery: DeliveryFactory
) -> None:
    """A captured request posted again after the window is refused 401 by the receiver."""
    partner = verifying(SECRET)
    an_hour_ago = time.time() - 3600
    stale = WebhookChannel(
        http_client, WebhookSettings(secret=SECRET), deadline=2.0, wall_clock=lambda: an_hour_ago
    )
    async with serve(partner.app) as base:
        result = await stale.send(delivery(ChannelKind.WEBHOOK, f"{base}/cap"))
    assert result.outcome is DeliveryOutcome.FAILED
    assert "HTTP 401" in (result.error or "")

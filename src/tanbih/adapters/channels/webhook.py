"""The webhook channel: POST the CAP message to a partner system, signed, once per attempt.

The request a partner receives::

    POST <the contact's webhook address>
    Content-Type: application/cap+xml            (or application/json: the CAP JSON mirror)
    X-Tanbih-Timestamp: 1767225600
    X-Tanbih-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">
    Idempotency-Key: <notification key, the same on every retry>
    X-Tanbih-Status: Exercise                    (the CAP status: never mistake a drill)

The XML is sent byte for byte as the node signed it (its XML-DSig stays verifiable); the JSON
mirror carries no XML signature, so partners taking JSON rely on the HMAC alone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import aiohttp

from tanbih import cap
from tanbih.adapters.channels.http_outcome import post
from tanbih.adapters.channels.settings import WebhookFormat, WebhookSettings
from tanbih.adapters.channels.webhook_signature import signature_headers
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult
from tanbih.errors import CapError

CAP_XML_TYPE = "application/cap+xml"
JSON_TYPE = "application/json"
STATUS_HEADER = "X-Tanbih-Status"
IDEMPOTENCY_HEADER = "Idempotency-Key"


@dataclass(frozen=True, slots=True)
class WebhookRequest:
    """The signed POST one delivery makes: where, what, and its headers."""

    url: str
    body: bytes
    headers: Mapping[str, str]


class WebhookChannel:
    """Delivers CAP to partner systems by signed HTTP POST."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        settings: WebhookSettings,
        *,
        deadline: float,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        # The signature's timestamp is checked against the receiver's wall clock, so it is
        # real time even when an exercise runs on a simulated clock.
        self._session = session
        self._settings = settings
        self._deadline = deadline
        self._wall_clock = wall_clock

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """POST the message to the contact's webhook address; 2xx delivered, see http_outcome."""
        request = signed_request(delivery, self._settings, int(self._wall_clock()))
        if isinstance(request, DeliveryResult):
            return request
        return await post(
            self._session,
            request.url,
            deadline=self._deadline,
            data=request.body,
            headers=request.headers,
        )


def signed_request(
    delivery: Delivery, settings: WebhookSettings, timestamp: int
) -> WebhookRequest | DeliveryResult:
    """The request that delivers ``delivery``, signed as sent at ``timestamp`` (Unix seconds),
    or the failure that keeps it from being sent."""
    notification = delivery.notification
    partner_id = notification.recipient.partner_id
    secret = settings.secret_for(partner_id)
    if secret is None:
        return DeliveryResult(
            DeliveryOutcome.FAILED, error=f"no webhook secret configured for {partner_id}"
        )
    try:
        body, content_type = _body(delivery.cap_xml, settings.format_for(partner_id))
    except CapError as exc:
        return DeliveryResult(DeliveryOutcome.FAILED, error=f"CAP to JSON: {exc}")
    headers = {
        "Content-Type": content_type,
        IDEMPOTENCY_HEADER: notification.key,
        STATUS_HEADER: notification.status.value,
        **signature_headers(secret, timestamp, body),
    }
    return WebhookRequest(notification.recipient.channel.address, body, headers)


def _body(cap_xml: bytes, format: WebhookFormat) -> tuple[bytes, str]:
    if format is WebhookFormat.CAP_XML:
        return cap_xml, CAP_XML_TYPE
    mirror = cap.alert_to_json(cap.parse_stored(cap_xml))
    text = json.dumps(mirror, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8"), JSON_TYPE

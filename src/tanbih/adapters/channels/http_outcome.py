"""The one place that turns an HTTP exchange into a delivery outcome.

Every HTTP-speaking channel (webhook, Twilio-shaped carriers) posts through ``post`` so that
status codes, timeouts and transport errors mean the same thing on every channel:

======================================  ==========  ==========================================
what happened                           outcome     why
======================================  ==========  ==========================================
2xx                                     delivered   the receiver took it
408, 425, 429, 5xx                      retry       the receiver is busy, early or broken now
timeout, connection refused/reset       retry       the network or the receiver may recover
other 4xx, 3xx, 1xx                     failed      the request itself is wrong; resending it
                                                    unchanged cannot help (redirects are not
                                                    followed: a moved endpoint is a config fix)
malformed URL, unsupported scheme       failed      configuration, not weather
======================================  ==========  ==========================================

A ``Retry-After`` header on a retryable answer is kept in the result's ``error`` as
``retry after <N> s`` until ``DeliveryResult`` carries it as a field.

The client is aiohttp's: at the webhook's 1-8 KB bodies it costs a fifth of httpx's CPU per
POST (bench/webhook_client.py). Its types stop here: readers see an ``HttpAnswer``, and its
exceptions become results.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from tanbih.adapters.channels.proxies import environment_proxy
from tanbih.domain.notification import DeliveryOutcome, DeliveryResult

RETRYABLE_STATUSES = frozenset({408, 425, 429})
"""4xx statuses that mean "not now" rather than "never"."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """A response, read whole: its status line, headers (names case-insensitive) and body."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


ResponseReader = Callable[[HttpAnswer], tuple[str | None, str | None]]
"""Reads ``(provider_id, detail)`` from a response: the receiver's id for the message on
success, its own words for what went wrong otherwise."""


def classify_status(status: int) -> DeliveryOutcome:
    """The outcome an HTTP status code means for a delivery attempt."""
    if 200 <= status < 300:
        return DeliveryOutcome.DELIVERED
    if status in RETRYABLE_STATUSES or 500 <= status < 600:
        return DeliveryOutcome.RETRY
    return DeliveryOutcome.FAILED


def retry_after_seconds(value: str, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (delta-seconds or HTTP-date), if readable."""
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; an unlabelled one is taken as such
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def no_details(answer: HttpAnswer) -> tuple[str | None, str | None]:
    """A ``ResponseReader`` for receivers that return nothing worth keeping."""
    return None, None


def response_result(
    answer: HttpAnswer, read: ResponseReader = no_details, now: datetime | None = None
) -> DeliveryResult:
    """The delivery result an HTTP response means, with the receiver's id or words."""
    outcome = classify_status(answer.status)
    provider_id, detail = read(answer)
    if outcome is DeliveryOutcome.DELIVERED:
        return DeliveryResult(outcome, provider_id=provider_id)
    error = f"HTTP {answer.status} {answer.reason}".rstrip()
    if detail:
        error = f"{error}: {detail}"
    retry_after = answer.headers.get("Retry-After")
    if outcome is DeliveryOutcome.RETRY and retry_after is not None:
        seconds = retry_after_seconds(retry_after, now or datetime.now(UTC))
        if seconds is not None:
            error = f"{error} (retry after {seconds:g} s)"
    return DeliveryResult(outcome, provider_id=provider_id, error=error)


def transport_result(exc: Exception) -> DeliveryResult:
    """The delivery result of a request that got no response at all."""
    # ValueError: a URL the standard library or yarl cannot read (a malformed host name, its
    # IDNA encoding, credentials where none may be).
    if isinstance(exc, aiohttp.InvalidURL | aiohttp.NonHttpUrlClientError | ValueError):
        return DeliveryResult(DeliveryOutcome.FAILED, error=f"bad URL: {exc}")
    if isinstance(exc, TimeoutError):  # aiohttp's timeouts subclass it
        return DeliveryResult(DeliveryOutcome.RETRY, error=f"timeout: {exc}".rstrip(": "))
    if isinstance(exc, aiohttp.ClientConnectionError):
        return DeliveryResult(DeliveryOutcome.RETRY, error=f"connection failed: {exc}")
    return DeliveryResult(DeliveryOutcome.RETRY, error=f"{type(exc).__name__}: {exc}")


async def post(
    session: aiohttp.ClientSession,
    url: str,
    *,
    deadline: float,
    read: ResponseReader = no_details,
    **request: Any,
) -> DeliveryResult:
    """POST once and classify what came of it; never raises aiohttp's exceptions.

    ``deadline`` bounds the whole exchange in seconds, the answer's body read included.
    Redirects are never followed (a moved endpoint is a configuration change, not a hop). The
    request goes through the proxy the environment names for its host (``proxies``).
    """
    try:
        target = urlsplit(url)
        proxy = environment_proxy(target.scheme, target.hostname or "")
        async with (
            asyncio.timeout(deadline),
            session.post(url, allow_redirects=False, proxy=proxy, **request) as response,
        ):
            body = await response.read()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return transport_result(exc)
    answer = HttpAnswer(response.status, response.reason or "", response.headers, body)
    return response_result(answer, read)

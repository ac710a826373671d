"""Signing webhook deliveries, and the check a partner's receiver runs on them.

The scheme (documented for partners in docs/notification.md):

- ``X-Tanbih-Timestamp``: the sending time, whole seconds since the Unix epoch.
- ``X-Tanbih-Signature``: ``v1=<hex>``, HMAC-SHA256 keyed with the partner's shared secret
  over ``<timestamp> + "." + <raw body bytes>``. During a secret rotation the header may carry
  several comma-separated ``v1=`` entries; any one matching is enough.

Signing the timestamp with the body stops a captured request from being replayed later: the
receiver refuses timestamps outside its window. Within the window, a replay carries the same
``Idempotency-Key`` as the original, which the receiver deduplicates on.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from enum import StrEnum

TIMESTAMP_HEADER = "X-Tanbih-Timestamp"
SIGNATURE_HEADER = "X-Tanbih-Signature"
SCHEME = "v1"
DEFAULT_WINDOW = timedelta(minutes=5)
DIGEST_HEX_LENGTH = 64


class WebhookCheck(StrEnum):
    """What a receiver concludes about one signed request."""

    VALID = "valid"
    MISSING = "missing"  # no timestamp or no signature header
    MALFORMED = "malformed"  # a header is there but unreadable
    STALE = "stale"  # the timestamp is outside the replay window (or in the future)
    BAD_SIGNATURE = "bad_signature"  # no signature matches: wrong secret or tampered body

    def __bool__(self) -> bool:
        return self is WebhookCheck.VALID


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp + "." + body`` under ``secret``."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The two headers that sign ``body`` as sent at ``timestamp``."""
    return {
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: f"{SCHEME}={signature(secret, timestamp, body)}",
    }


def verify_webhook(
    secret: str | Iterable[str],
    headers: Mapping[str, str],
    body: bytes,
    now: datetime,
    window: timedelta = DEFAULT_WINDOW,
) -> WebhookCheck:
    """Whether a received webhook was signed by tanbih with ``secret``, within ``window``.

    ``secret`` may list several accepted secrets (rotation). ``headers`` may be any mapping;
    names are matched case-insensitively. ``body`` must be the raw bytes as received.
    """
    lower = {name.lower(): value for name, value in headers.items()}
    stamp_text = lower.get(TIMESTAMP_HEADER.lower())
    signed = lower.get(SIGNATURE_HEADER.lower())
    if stamp_text is None or signed is None:
        return WebhookCheck.MISSING
    stamp_text = stamp_text.strip()
    if not stamp_text.isdigit():
        return WebhookCheck.MALFORMED
    timestamp = int(stamp_text)
    offered = _offered_signatures(signed)
    if not offered:
        return WebhookCheck.MALFORMED
    if abs(now.timestamp() - timestamp) > window.total_seconds():
        return WebhookCheck.STALE
    secrets = [secret] if isinstance(secret, str) else list(secret)
    expected = [signature(s, timestamp, body) for s in secrets]
    # compare_digest against every pair, no early exit on the first match
    matches = [hmac.compare_digest(e, o) for e in expected for o in offered]
    return WebhookCheck.VALID if any(matches) else WebhookCheck.BAD_SIGNATURE


def _offered_signatures(header: str) -> list[str]:
    """The well-formed ``v1`` digests in a signature header; other schemes are ignored."""
    offered = []
    for part in header.split(","):
        scheme, _, value = part.strip().partition("=")
        value = value.strip().lower()
        # compare_digest refuses non-ASCII text, so only hex of the right length goes on
        if scheme == SCHEME and len(value) == DIGEST_HEX_LENGTH and _is_hex(value):
            offered.append(value)
    return offered


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdef" for c in text)

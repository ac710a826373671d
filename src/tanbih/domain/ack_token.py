"""Acknowledgement tokens: signed, expiring proof that a link or reply answers one notification.

A token carries the notification key, the partner and contact it was sent to, and an expiry,
signed with HMAC-SHA256 under a secret of the node; it goes into e-mail links and voice
callbacks. :func:`verify` refuses a token that was altered or signed under another secret
(forged), is past its expiry (expired), or is not a token at all (malformed). A valid token
may still have been used: one-time use is the store's to enforce, by keeping the
:func:`token_digest` of each token spent and refusing a digest it has.

An SMS reply cannot carry a token, so it carries a short numeric code ("1234 ACK"). Codes are
derived from the notification key under the secret (unguessable from the key, which receivers
see), and the store keeps which live code of which partner means which notification;
:func:`reply_code` picks the first derived code that partner has not in use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Container, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from itertools import count, islice

VERSION = "t1"
MIN_SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 1024
REPLY_CODE_DIGITS = (4, 5, 6)
# Codes derived per width before a wider code is tried: a partner with many live codes
# (thousands of 4-digit ones) moves to 5 digits rather than search forever.
_TRIES_PER_WIDTH = 32
_BASE64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True, slots=True)
class AckClaim:
    """What a valid token says: who may acknowledge which notification, until when."""

    notification_key: str
    partner_id: str
    contact_id: str
    expires_at: datetime


class TokenRefusalReason(StrEnum):
    """Why a token is refused."""

    FORGED = "forged"
    EXPIRED = "expired"
    MALFORMED = "malformed"


@dataclass(frozen=True, slots=True)
class TokenRefusal:
    """A refused token, and why."""

    reason: TokenRefusalReason


def issue(claim: AckClaim, secret: bytes) -> str:
    """A token for ``claim``, signed with ``secret``; URL-safe, expiry to the second."""
    _check_secret(secret)
    payload = {
        "k": claim.notification_key,
        "p": claim.partner_id,
        "c": claim.contact_id,
        "e": int(claim.expires_at.timestamp()),
    }
    body = f"{VERSION}.{_encode(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{body}.{_encode(_mac(secret, body))}"


def verify(token: str, secret: bytes, now: datetime) -> AckClaim | TokenRefusal:
    """The claim ``token`` carries, or why it is refused (checked in that order: malformed,
    forged, expired, so an expired token tells a forger nothing)."""
    _check_secret(secret)
    parts = token.split(".") if len(token) <= MAX_TOKEN_LENGTH else []
    if len(parts) != 3 or parts[0] != VERSION:
        return TokenRefusal(TokenRefusalReason.MALFORMED)
    signature = _decode(parts[2])
    if signature is None:
        return TokenRefusal(TokenRefusalReason.MALFORMED)
    if not hmac.compare_digest(signature, _mac(secret, f"{parts[0]}.{parts[1]}")):
        return TokenRefusal(TokenRefusalReason.FORGED)
    claim = _claim(_decode(parts[1]))
    if claim is None:
        return TokenRefusal(TokenRefusalReason.MALFORMED)
    if now >= claim.expires_at:
        return TokenRefusal(TokenRefusalReason.EXPIRED)
    return claim


def token_digest(token: str) -> str:
    """What the store keeps of a spent token to refuse its reuse (never the token itself)."""
    return "sha256:" + hashlib.sha256(token.encode()).hexdigest()


def reply_codes(notification_key: str, secret: bytes, digits: int = 4) -> Iterator[str]:
    """The endless, deterministic sequence of ``digits``-digit reply codes for a notification."""
    _check_secret(secret)
    if digits not in REPLY_CODE_DIGITS:
        raise ValueError(f"a reply code has {', '.join(map(str, REPLY_CODE_DIGITS))} digits")
    for n in count():
        mac = hmac.new(secret, f"reply\x00{notification_key}\x00{n}".encode(), hashlib.sha256)
        yield str(int.from_bytes(mac.digest()[:8], "big") % 10**digits).zfill(digits)


def reply_code(notification_key: str, secret: bytes, in_use: Container[str]) -> str:
    """The first derived reply code not ``in_use`` by the partner, shortest widths first."""
    for digits in REPLY_CODE_DIGITS:
        for code in islice(reply_codes(notification_key, secret, digits), _TRIES_PER_WIDTH):
            if code not in in_use:
                return code
    raise ValueError("every candidate reply code is in use")


def _mac(secret: bytes, body: str) -> bytes:
    return hmac.new(secret, body.encode(), hashlib.sha256).digest()


def _encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _decode(text: str) -> bytes | None:
    # Only the one canonical spelling: a lenient decoder ignores stray characters and unused
    # bits, and every other spelling of a spent token would have a fresh digest.
    if not _BASE64URL.fullmatch(text):
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if _encode(raw) == text else None


def _claim(raw: bytes | None) -> AckClaim | None:
    try:
        payload = json.loads(raw) if raw is not None else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(payload, dict):
        return None
    key, partner, contact, expiry = (payload.get(name) for name in ("k", "p", "c", "e"))
    if not (isinstance(key, str) and isinstance(partner, str) and isinstance(contact, str)):
        return None
    if not isinstance(expiry, int) or isinstance(expiry, bool):
        return None
    try:
        expires_at = datetime.fromtimestamp(expiry, UTC)
    except (OverflowError, OSError, ValueError):
        return None
    return AckClaim(key, partner, contact, expires_at)


def _check_secret(secret: bytes) -> None:
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"an acknowledgement secret has at least {MIN_SECRET_BYTES} bytes")

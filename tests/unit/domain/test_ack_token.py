"""Acknowledgement tokens and reply codes: signed, expiring, refused when forged or malformed."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest

from tanbih.domain.ack_token import (
    AckClaim,
    TokenRefusal,
    TokenRefusalReason,
    issue,
    reply_code,
    reply_codes,
    token_digest,
    verify,
)

SECRET = b"s" * 32
OTHER_SECRET = b"o" * 32
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
CLAIM = AckClaim("0f" * 16, "il", "il-duty", NOW + timedelta(minutes=30))
TOKEN = issue(CLAIM, SECRET)


def b64(raw: bytes) -> str:
    """Unpadded URL-safe base64, as tokens spell it."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def signed(payload: bytes) -> str:
    """A correctly signed token around any payload: what a bug, not a forger, could make."""
    body = f"t1.{b64(payload)}"
    return f"{body}.{b64(hmac.new(SECRET, body.encode(), hashlib.sha256).digest())}"


def respelled(token: str) -> str:
    """The token with its signature's unused low bits set: the same bytes, spelt otherwise.

    A lenient decoder would accept it, and its digest would differ from the spent token's.
    """
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet[alphabet.index(token[-1]) ^ 1]
    assert base64.urlsafe_b64decode(token.split(".")[2] + "=") == base64.urlsafe_b64decode(
        token.split(".")[2][:-1] + last + "="
    )
    return token[:-1] + last


def test_a_token_carries_its_claim() -> None:
    """Verifying an issued token before its expiry gives back the claim it was issued for."""
    assert verify(TOKEN, SECRET, NOW) == CLAIM


def test_a_token_is_url_safe() -> None:
    """Tokens go into e-mail links: only URL-safe characters."""
    assert set(TOKEN) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")


def tampered(part: int) -> str:
    """The token with one character of one of its parts changed."""
    parts = TOKEN.split(".")
    text = parts[part]
    parts[part] = text[:5] + ("A" if text[5] != "A" else "B") + text[6:]
    return ".".join(parts)


@pytest.mark.parametrize(
    ("token", "secret", "reason"),
    [
        pytest.param(TOKEN, OTHER_SECRET, TokenRefusalReason.FORGED, id="another node's secret"),
        pytest.param(tampered(1), SECRET, TokenRefusalReason.FORGED, id="altered claim"),
        pytest.param(tampered(2), SECRET, TokenRefusalReason.FORGED, id="altered signature"),
        pytest.param("", SECRET, TokenRefusalReason.MALFORMED, id="empty"),
        pytest.param("hello", SECRET, TokenRefusalReason.MALFORMED, id="not a token"),
        pytest.param("t2" + TOKEN[2:], SECRET, TokenRefusalReason.MALFORMED, id="unknown version"),
        pytest.param(TOKEN + ".x", SECRET, TokenRefusalReason.MALFORMED, id="extra part"),
        pytest.param(TOKEN + "!", SECRET, TokenRefusalReason.MALFORMED, id="stray character"),
        pytest.param(
            respelled(TOKEN), SECRET, TokenRefusalReason.MALFORMED, id="same bytes respelled"
        ),
        pytest.param(TOKEN + "A" * 2000, SECRET, TokenRefusalReason.MALFORMED, id="far too long"),
        pytest.param(signed(b"not json"), SECRET, TokenRefusalReason.MALFORMED, id="no JSON"),
        pytest.param(signed(b"[1, 2]"), SECRET, TokenRefusalReason.MALFORMED, id="not a claim"),
        pytest.param(
            signed(b'{"k": "x", "p": "il", "c": "il-duty", "e": "soon"}'),
            SECRET,
            TokenRefusalReason.MALFORMED,
            id="expiry not a number",
        ),
        pytest.param(
            signed(b'{"k": "x", "p": "il", "c": "il-duty", "e": true}'),
            SECRET,
            TokenRefusalReason.MALFORMED,
            id="expiry a boolean",
        ),
        pytest.param(
            signed(b'{"k": "x", "p": "il", "c": "il-duty", "e": 99999999999999999999}'),
            SECRET,
            TokenRefusalReason.MALFORMED,
            id="expiry beyond any calendar",
        ),
        pytest.param(
            signed(b'{"k": "x", "p": "il", "e": 1}'),
            SECRET,
            TokenRefusalReason.MALFORMED,
            id="a field missing",
        ),
    ],
)
def test_bad_tokens_are_refused_with_a_reason(
    token: str, secret: bytes, reason: TokenRefusalReason
) -> None:
    """Forged and malformed tokens are refused, each saying which."""
    assert verify(token, secret, NOW) == TokenRefusal(reason)


@pytest.mark.parametrize(
    ("now", "valid"),
    [
        (CLAIM.expires_at - timedelta(seconds=1), True),
        (CLAIM.expires_at, False),
        (CLAIM.expires_at + timedelta(days=1), False),
    ],
)
def test_a_token_expires_at_its_expiry(now: datetime, valid: bool) -> None:
    """A token is valid strictly before its expiry, and refused as expired from then on."""
    result = verify(TOKEN, SECRET, now)
    assert result == (CLAIM if valid else TokenRefusal(TokenRefusalReason.EXPIRED))


def test_a_forged_expired_token_is_called_forged() -> None:
    """The signature is checked before the expiry, so an expired forgery reads as forged."""
    late = CLAIM.expires_at + timedelta(days=1)
    assert verify(TOKEN, OTHER_SECRET, late) == TokenRefusal(TokenRefusalReason.FORGED)


def test_a_short_secret_is_refused() -> None:
    """A node secret under 32 bytes is a configuration mistake, raised at once."""
    with pytest.raises(ValueError, match="32 bytes"):
        issue(CLAIM, b"short")
    with pytest.raises(ValueError, match="32 bytes"):
        verify(TOKEN, b"short", NOW)


def test_the_digest_names_a_token_without_revealing_it() -> None:
    """The store keeps a sha256 digest per spent token: stable, distinct, not the token."""
    other = issue(AckClaim("1f" * 16, "il", "il-duty", CLAIM.expires_at), SECRET)
    assert token_digest(TOKEN) == token_digest(TOKEN)
    assert token_digest(TOKEN) != token_digest(other)
    assert token_digest(TOKEN).startswith("sha256:")
    assert TOKEN not in token_digest(TOKEN)


@pytest.mark.parametrize("digits", [4, 5, 6])
def test_reply_codes_are_numeric_and_deterministic(digits: int) -> None:
    """The codes for a notification are the same every time, all digits, of the asked width."""
    first = list(islice(reply_codes(CLAIM.notification_key, SECRET, digits), 5))
    assert first == list(islice(reply_codes(CLAIM.notification_key, SECRET, digits), 5))
    assert all(code.isdigit() and len(code) == digits for code in first)


def test_reply_codes_depend_on_the_notification_and_the_secret() -> None:
    """Another notification or another node's secret gives other codes."""
    firsts = [
        list(islice(reply_codes(key, secret), 3))
        for key, secret in [
            (CLAIM.notification_key, SECRET),
            ("1f" * 16, SECRET),
            (CLAIM.notification_key, OTHER_SECRET),
        ]
    ]
    assert firsts[0] != firsts[1]
    assert firsts[0] != firsts[2]


def test_a_reply_code_has_four_to_six_digits() -> None:
    """Other widths are refused."""
    with pytest.raises(ValueError, match="digits"):
        next(reply_codes(CLAIM.notification_key, SECRET, 3))


def test_reply_code_skips_codes_in_use() -> None:
    """The first derived code the partner has not in use is chosen."""
    first = next(reply_codes(CLAIM.notification_key, SECRET))
    after_first = next(c for c in reply_codes(CLAIM.notification_key, SECRET) if c != first)
    assert reply_code(CLAIM.notification_key, SECRET, set()) == first
    assert reply_code(CLAIM.notification_key, SECRET, {first}) == after_first


def test_a_crowded_partner_gets_a_longer_code() -> None:
    """When every 4-digit code tried is in use, a 5-digit code is chosen."""
    every_four_digit_code = {f"{n:04d}" for n in range(10_000)}
    code = reply_code(CLAIM.notification_key, SECRET, every_four_digit_code)
    assert len(code) == 5
    with pytest.raises(ValueError, match="in use"):
        reply_code(CLAIM.notification_key, SECRET, _Everything())


class _Everything:
    """A set that holds every code."""

    def __contains__(self, item: object) -> bool:
        return True

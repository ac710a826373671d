"""The console's session cookie: a token hash vouched for by the node's secret, until expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tanbih.api.console_session import LIFETIME, session_token_hash, session_value

SECRET = b"node secret"
TOKEN_HASH = "sha256:" + "ab" * 32
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_a_session_vouches_for_its_token_hash_until_it_expires() -> None:
    """The value reads back to the token hash until LIFETIME has passed, then to nothing."""
    value = session_value(SECRET, TOKEN_HASH, NOW)
    assert session_token_hash(SECRET, value, NOW + LIFETIME - timedelta(seconds=1)) == TOKEN_HASH
    assert session_token_hash(SECRET, value, NOW + LIFETIME) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda v: v.replace("ab", "cd", 1),  # another token's hash
        lambda v: v.replace(str(int((NOW + LIFETIME).timestamp())), "9999999999"),  # later expiry
        lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"),  # another MAC
        lambda v: v.rpartition("|")[0],  # no MAC
        lambda _: "garbage",
        lambda _: "",
    ],
)
def test_an_altered_or_malformed_session_is_refused(tamper: object) -> None:
    """Any change to the hash, the expiry or the MAC, or a value of another shape, reads as none."""
    value = session_value(SECRET, TOKEN_HASH, NOW)
    assert callable(tamper)
    assert session_token_hash(SECRET, tamper(value), NOW) is None


def test_a_session_made_under_another_secret_is_refused() -> None:
    """Another node's (or a rotated) secret does not vouch for this node's sessions."""
    value = session_value(b"another secret", TOKEN_HASH, NOW)
    assert session_token_hash(SECRET, value, NOW) is None

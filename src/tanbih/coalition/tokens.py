"""API tokens: the coalition file keeps only their hashes.

Tokens are 256-bit random strings, so a fast hash is enough: no dictionary attack applies.
"""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_HASH_PREFIX = "sha256:"  # noqa: S105 -- names the hash algorithm; not a secret
_TOKEN_HASH = re.compile(re.escape(TOKEN_HASH_PREFIX) + r"[0-9a-f]{64}")


def new_token() -> str:
    """A fresh random API token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The form a token is declared in the coalition file: ``sha256:<hex>``."""
    return TOKEN_HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()


def is_token_hash(value: str) -> bool:
    """Whether ``value`` has the form :func:`hash_token` produces."""
    return _TOKEN_HASH.fullmatch(value) is not None

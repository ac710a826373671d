"""API tokens: the coalition file keeps only their hashes.

Tokens are 256-bit random strings, so a fast hash is enough: no dictionary attack applies.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_HASH_PREFIX = "sha256:"


def new_token() -> str:
    """A fresh random API token (43 URL-safe characters)."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The form a token is declared in the coalition file: ``sha256:<hex>``."""
    return TOKEN_HASH_PREFIX + hashlib.sha256(token.encode()).hexdigest()

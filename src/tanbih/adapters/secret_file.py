"""The node's secret (signs acknowledgement tokens and, by default, webhooks), kept in a file."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_BYTES = 32


def node_secret(configured: str, path: Path) -> bytes:
    """The configured secret, else the one in ``path``, made there (mode 0600) on first start."""
    if configured:
        if len(configured.encode()) < SECRET_BYTES:
            raise ValueError(f"TANBIH_NODE_SECRET must be at least {SECRET_BYTES} bytes")
        return configured.encode()
    if path.exists():
        return path.read_bytes().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(SECRET_BYTES).encode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(secret)
    return secret

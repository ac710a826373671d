"""The id by which a partner released a message below ``full`` knows it: opaque, node-readable.

A stored message's own id is a digest of its sender and identifier
(:func:`~tanbih.domain.records.alert_id`). A partner that may not learn the source, or the
threat id an identifier embeds, must not be given that digest either: it could hash a guess
and compare. Such a partner knows each message by a *copy id* instead: the message's id and
the level, encrypted deterministically (AES-SIV) under a key of the node. The same message at
the same level always has the same copy id (resends, retries and reconnects agree), nobody
without the node's key can tell what it stands for, and the node reads it back to the message
without keeping a table. An altered copy id does not decrypt, so it names nothing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESSIV

from tanbih.domain.releasability import Level

_KEY_LABEL = b"tanbih.copy-ids"
_LEVELS = {Level.ZONES_ONLY: b"z", Level.VIA_COORDINATOR: b"v"}
_LEVEL_OF = {code: level for level, code in _LEVELS.items()}
# A stored message's id is 24 hex digits; its copy id is 39 characters of base64url.
_ID_HEX = 24
_COPY_ID_LENGTH = 39


class CopyIds:
    """Copy ids under one node key; derive the key from a secret that never leaves the node."""

    def __init__(self, secret: bytes) -> None:
        self._cipher = AESSIV(hmac.new(secret, _KEY_LABEL, hashlib.sha256).digest())

    def copy_id(self, message_id: str, level: Level) -> str:
        """The id a partner released the message ``message_id`` at ``level`` knows it by."""
        code = _LEVELS.get(level)
        if code is None:
            raise ValueError(f"a message released at {level} has no copy id")
        token = self._cipher.encrypt(code + bytes.fromhex(message_id), None)
        return base64.urlsafe_b64encode(token).rstrip(b"=").decode("ascii")

    def read(self, copy_id: str) -> tuple[str, Level] | None:
        """The message id and level a copy id stands for; ``None`` if it is not one of ours."""
        if len(copy_id) != _COPY_ID_LENGTH:
            return None
        try:
            token = base64.urlsafe_b64decode(copy_id + "=")
            plain = self._cipher.decrypt(token, None)
        except (binascii.Error, ValueError, InvalidTag):
            return None
        level = _LEVEL_OF.get(plain[:1])
        if level is None or len(plain) != 1 + _ID_HEX // 2:
            return None
        return plain[1:].hex(), level

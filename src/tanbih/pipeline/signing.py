"""The node's signature on what it emits, and the check of what partners post.

Every message the node issues is signed (enveloped XML-DSig) before it is stored, so every
channel delivers the signed bytes; a node without a signing key emits unsigned messages and
says so at start-up. Posted messages are verified against the keys their sender's partner
registers in the coalition file; unsigned ones are refused when the coalition requires
signatures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from tanbih import cap
from tanbih.cap.signature import (
    SigningIdentity,
    Verification,
    sign,
    signing_identity,
    trusted_keys,
    verify_document,
)
from tanbih.domain.coalition import Coalition, SigningKey
from tanbih.errors import ConfigurationError, Problem


class Signatures:
    """Signs the node's own messages and verifies partners' ones."""

    def __init__(self, coalition: Coalition, private_key_pem: bytes | None) -> None:
        self._identity: SigningIdentity | None = None
        if private_key_pem is not None:
            self._identity = signing_identity(coalition, private_key_pem)
        elif coalition.signatures_required:
            raise ConfigurationError(
                [
                    Problem(
                        "TANBIH_SIGNING_KEY",
                        "the coalition requires signatures: set the "
                        "node's signing key (tanbih keys new makes one)",
                    )
                ]
            )
        self._trusted: Mapping[str, Sequence[SigningKey]] = trusted_keys(coalition)
        self._required = coalition.signatures_required

    @property
    def key_id(self) -> str | None:
        """The id of the key the node signs with, if it has one."""
        return None if self._identity is None else self._identity.key_id

    @property
    def required(self) -> bool:
        """Whether posted messages must be signed."""
        return self._required

    def sign(self, xml: bytes) -> bytes:
        """``xml`` signed with the node's key, or unchanged when the node has none."""
        if self._identity is None:
            return xml
        return sign(xml, self._identity.private_key, self._identity.certificate)

    def verify(self, document: cap.CapDocument, now: datetime) -> Verification:
        """The verdict on a posted message's signature."""
        return verify_document(document, self._trusted, required=self._required, now=now)

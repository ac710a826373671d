"""Ed25519 for the agreement: keys as text, signing a version, verifying a party's signature.

The domain decides which version is in force (:mod:`tanbih.domain.agreement_versions`) and is
handed :func:`verify_ed25519` to check signatures with. Keys and signatures are written as
text in the coalition file:

- a public key: ``ed25519:`` and the standard base64 of its 32 raw bytes;
- a private key (kept by its partner, never in the coalition file): ``ed25519-private:`` and the
  base64 of its 32 raw bytes;
- a signature: the base64 of its 64 bytes.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tanbih.coalition.agreement_schema import (
    PUBLIC_KEY_BYTES,
    PUBLIC_KEY_PREFIX,
    SIGNATURE_BYTES,
    decode_base64,
)
from tanbih.domain.agreement import Agreement
from tanbih.domain.agreement_versions import canonical_bytes

PRIVATE_KEY_PREFIX = "ed25519-private:"


def verify_ed25519(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the Ed25519 signature of ``message`` by ``public_key``."""
    if len(public_key) != PUBLIC_KEY_BYTES or len(signature) != SIGNATURE_BYTES:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def public_key_bytes(text: str) -> bytes:
    """The 32 raw bytes of a public key written ``ed25519:<base64>``; ``ValueError`` if not."""
    if not text.startswith(PUBLIC_KEY_PREFIX):
        raise ValueError(f"a public key starts with {PUBLIC_KEY_PREFIX!r}")
    return decode_base64(text.removeprefix(PUBLIC_KEY_PREFIX), PUBLIC_KEY_BYTES)


def signature_bytes(text: str) -> bytes:
    """The 64 bytes of a signature written in base64; ``ValueError`` if it is not one."""
    return decode_base64(text, SIGNATURE_BYTES)


def new_key_pair() -> tuple[str, str]:
    """A fresh Ed25519 key pair as text: (private key, public key)."""
    private = Ed25519PrivateKey.generate()
    return _private_text(private), _public_text(private.public_key())


def public_key_of(private_text: str) -> str:
    """The public key, as text, of a private key written ``ed25519-private:<base64>``."""
    return _public_text(_private_key(private_text).public_key())


def sign_agreement(private_text: str, agreement: Agreement) -> str:
    """The base64 signature of ``agreement``'s canonical bytes with the given private key."""
    signature = _private_key(private_text).sign(canonical_bytes(agreement))
    return base64.b64encode(signature).decode("ascii")


def _private_key(text: str) -> Ed25519PrivateKey:
    if not text.startswith(PRIVATE_KEY_PREFIX):
        raise ValueError(f"a private key starts with {PRIVATE_KEY_PREFIX!r}")
    raw = decode_base64(text.removeprefix(PRIVATE_KEY_PREFIX).strip(), PUBLIC_KEY_BYTES)
    return Ed25519PrivateKey.from_private_bytes(raw)


def _private_text(key: Ed25519PrivateKey) -> str:
    raw = key.private_bytes_raw()
    return PRIVATE_KEY_PREFIX + base64.b64encode(raw).decode("ascii")


def _public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return PUBLIC_KEY_PREFIX + base64.b64encode(raw).decode("ascii")

"""Detached signatures on what a node sends that is not CAP (observations).

CAP carries its own enveloped XML-DSig (:mod:`tanbih.cap.signature`); an observation is JSON,
so the node signs its bytes with the same key and sends the signature and the key's id in
headers. The receiver checks them against the keys the sending partner registers in the
coalition file, valid at the time of the check.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tanbih.cap.signature import SigningIdentity
from tanbih.domain.coalition import Coalition

SIGNATURE = "Tanbih-Signature"
KEY = "Tanbih-Key"


def seal(data: bytes, identity: SigningIdentity) -> dict[str, str]:
    """The headers that sign ``data`` with the node's key."""
    key = identity.private_key
    if isinstance(key, ec.EllipticCurvePrivateKey):
        signature = key.sign(data, ec.ECDSA(hashes.SHA256()))
    else:
        signature = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    return {SIGNATURE: base64.b64encode(signature).decode(), KEY: identity.key_id}


def unsealed(
    data: bytes, headers: Mapping[str, str], partner_id: str, coalition: Coalition, now: datetime
) -> str | None:
    """Why ``data`` is not signed by a valid key of ``partner_id``, or ``None`` if it is."""
    partner = coalition.partner(partner_id)
    if partner is None:
        return f"unknown partner {partner_id!r}"
    key_id, encoded = headers.get(KEY), headers.get(SIGNATURE)
    if not key_id or not encoded:
        return "unsigned"
    key = next((k for k in partner.keys if k.id == key_id), None)
    if key is None:
        return f"key {key_id!r} is not registered for partner {partner_id!r}"
    if not key.not_before <= now <= key.not_after:
        return f"key {key_id!r} is not valid at {now.isoformat()}"
    try:
        signature = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        return "the signature is not base64"
    public = _certificate(key.certificate_pem).public_key()
    try:
        if isinstance(public, ec.EllipticCurvePublicKey):
            public.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        elif isinstance(public, rsa.RSAPublicKey):
            public.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            return f"key {key_id!r} is neither EC nor RSA"
    except InvalidSignature:
        return "the signature does not match the message: altered in transit"
    return None


@lru_cache(maxsize=64)
def _certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))

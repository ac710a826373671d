"""Signed CAP: an enveloped XML-DSig over the whole alert, added on emit, checked on receipt.

:func:`sign` adds the signature: exclusive C14N, SHA-256, ECDSA P-256 (or RSA) and the
signer's certificate in ``KeyInfo``, in the shape signxml writes but from a template, with one
canonicalization of the alert; the result still passes the CAP XSD and reads back to the same
alert. :func:`verify` reads a message with the hostile-input parser
(:func:`~tanbih.cap.parse_document`) and checks its signature against the profile in
:mod:`tanbih.cap.xmldsig` and the keys registered for its ``<sender>``. Its answer is a
:class:`Verification`, a value: valid (naming the key), or refused with the reason and the
element at fault. Only a message that is not readable CAP at all raises (``CapError``).

The checks run in this order, so a refusal names the first thing wrong:

1. the signature's shape (``MALFORMED``): one signature, over the whole alert, accepted
   algorithms, the signer's certificate in ``KeyInfo``;
2. the encodings of the certificate, ``DigestValue`` and ``SignatureValue``: a text that is
   not canonical base64 was altered (``BAD_CERTIFICATE``, ``BAD_DIGEST``, ``BAD_SIGNATURE``);
3. trust (``UNTRUSTED_CERTIFICATE``): the certificate is registered for the sender's partner
   and valid at ``now``; the signature method is the one registered for that key;
4. the alert's digest (``BAD_DIGEST``: the alert changed after it was signed);
5. the signature over ``SignedInfo`` (``BAD_SIGNATURE``).

A signature is always checked when present: only its absence is tolerated, and only while the
agreement does not require signatures (``Coalition.signatures_required``).

Keys: partners register each key by its X.509 certificate in the coalition file
(:class:`~tanbih.domain.coalition.SigningKey`, :func:`trusted_keys`); a node holds the private
key of one of its own partner's registered keys (:func:`signing_identity`).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, load_pem_private_key
from lxml import etree

from tanbih.cap.xml_parse import XMLDSIG_NAMESPACE, CapDocument, parse_document, read_tree
from tanbih.cap.xmldsig import (
    ENVELOPED,
    SIGNATURE,
    Flaw,
    alert_digest,
    read_signature,
    signature_matches,
    strict_base64,
)
from tanbih.domain.coalition import Coalition, SigningKey
from tanbih.errors import CapError, ConfigurationError, Problem

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
Trusted = Mapping[str, Sequence[SigningKey]]
"""CAP ``<sender>`` -> the keys registered for the partner sending as it."""

_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
_CERTIFICATE = "Signature/KeyInfo/X509Data/X509Certificate"
_DIGEST_VALUE = "Signature/SignedInfo/Reference/DigestValue"
_SIGNATURE_VALUE = "Signature/SignatureValue"
_SIGNED_INFO_OPEN = f'<ds:SignedInfo xmlns:ds="{XMLDSIG_NAMESPACE}">'
_EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"
_MORE = "http://www.w3.org/2001/04/xmldsig-more#"
_SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"


class Outcome(StrEnum):
    """What verifying a message's signature found."""

    VALID = "valid"
    UNSIGNED = "unsigned"
    MALFORMED = "malformed"
    BAD_CERTIFICATE = "bad_certificate"
    UNTRUSTED_CERTIFICATE = "untrusted_certificate"
    BAD_DIGEST = "bad_digest"
    BAD_SIGNATURE = "bad_signature"


@dataclass(frozen=True, slots=True)
class Verification:
    """The verdict on a message's signature: accepted or not, why, where, with which key."""

    outcome: Outcome
    accepted: bool
    message: str
    where: str = "Signature"
    key_id: str | None = None

    def error(self) -> CapError:
        """The refusal as a ``CapError`` naming the element and what is wrong, to raise."""
        return CapError([Problem(self.where, self.message)])


@dataclass(frozen=True, slots=True)
class SigningIdentity:
    """The node's own signing key: its id in the coalition file, the key, its certificate."""

    key_id: str
    private_key: PrivateKey
    certificate: x509.Certificate


def trusted_keys(coalition: Coalition) -> dict[str, tuple[SigningKey, ...]]:
    """Each CAP sender of each partner, with the keys that partner registers."""
    return {sender: partner.keys for partner in coalition.partners for sender in partner.senders}


def signing_identity(coalition: Coalition, private_key_pem: bytes) -> SigningIdentity:
    """The node's key read from ``private_key_pem`` (unencrypted PEM), with its certificate.

    It must be the key of a certificate the node's partner registers. Raises
    ``ConfigurationError`` otherwise, or if the PEM holds no EC or RSA private key.
    """
    try:
        key = load_pem_private_key(private_key_pem, password=None)
    except (ValueError, TypeError) as exc:
        raise ConfigurationError([Problem("signing key", f"not a readable key: {exc}")]) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ConfigurationError([Problem("signing key", "an EC or RSA private key is needed")])
    partner = coalition.partner(coalition.node.partner_id)
    for registered in partner.keys if partner is not None else ():
        certificate = _certificate(registered.certificate_pem)
        if certificate.public_key() == key.public_key():
            return SigningIdentity(registered.id, key, certificate)
    message = (
        f"the key matches no certificate partner {coalition.node.partner_id!r} registers in "
        "the coalition file; add its certificate to that partner's keys"
    )
    raise ConfigurationError([Problem("signing key", message)])


def sign(xml: bytes, key: PrivateKey, certificate: x509.Certificate) -> bytes:
    """``xml``, a CAP alert (as :func:`~tanbih.cap.emit_xml` writes it), signed by ``key``.

    Raises ``CapError`` if ``xml`` is not a CAP 1.2 alert or is signed already, and
    ``ConfigurationError`` if ``certificate`` is not the certificate of ``key``.
    """
    root = read_tree(xml)
    if next(root.iterchildren(SIGNATURE), None) is not None:
        raise CapError([Problem("Signature", "the message is signed already")])
    ecdsa = isinstance(key, ec.EllipticCurvePrivateKey)
    signed_info = signed_info_c14n(
        ecdsa=ecdsa, digest_value=_base64(hashlib.sha256(_alert_c14n(root)).digest())
    )
    # The signature is the last child of <alert>, with no text around it: the enveloped
    # transform removing it leaves exactly the alert that was digested.
    signature = (
        f'<ds:Signature xmlns:ds="{XMLDSIG_NAMESPACE}"><ds:SignedInfo>'
        f"{signed_info.removeprefix(_SIGNED_INFO_OPEN)}"
        f"<ds:SignatureValue>{_base64(_signature_value(key, signed_info.encode()))}"
        f"</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>"
        f"{_certificate_text(key, certificate)}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>"
        "</ds:Signature>"
    )
    root.append(etree.fromstring(signature))
    return _DECLARATION + etree.tostring(root, encoding="UTF-8")


def signed_info_c14n(*, ecdsa: bool, digest_value: str) -> str:
    """The exclusive C14N of the ``SignedInfo`` :func:`sign` writes, the text that is signed.

    Written directly rather than canonicalized: the element is fixed but for two values, and
    its canonical form (the ``ds`` namespace declared on it, empty elements as start and end
    tags) is what a verifier computes from the signed document.
    """
    method = "ecdsa-sha256" if ecdsa else "rsa-sha256"
    return (
        f"{_SIGNED_INFO_OPEN}"
        f'<ds:CanonicalizationMethod Algorithm="{_EXCLUSIVE}"></ds:CanonicalizationMethod>'
        f'<ds:SignatureMethod Algorithm="{_MORE}{method}"></ds:SignatureMethod>'
        '<ds:Reference URI=""><ds:Transforms>'
        f'<ds:Transform Algorithm="{ENVELOPED}"></ds:Transform>'
        f'<ds:Transform Algorithm="{_EXCLUSIVE}"></ds:Transform></ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{_SHA256}"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest_value}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    )


def _alert_c14n(root: etree._Element) -> bytes:
    """The exclusive C14N of the alert ``root``, the whole document ``URI=""`` designates."""
    if root.getprevious() is not None or root.getnext() is not None:
        # A comment or processing instruction beside the root: the signed document is the
        # alert alone, and lxml canonicalizes a root correctly only when it is alone.
        root = etree.fromstring(etree.tostring(root))
    return etree.tostring(root, method="c14n", exclusive=True, with_comments=False)


def _signature_value(key: PrivateKey, signed_info: bytes) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        # XML-DSig writes ECDSA as r then s, each as long as the curve's order: not DER.
        r, s = decode_dss_signature(key.sign(signed_info, ec.ECDSA(hashes.SHA256())))
        size = (key.curve.key_size + 7) // 8
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")
    return key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())


@lru_cache(maxsize=16)
def _certificate_text(key: PrivateKey, certificate: x509.Certificate) -> str:
    # A node signs with one key for its life: the pair is checked, and encoded, once.
    if key.public_key() != certificate.public_key():
        raise ConfigurationError([Problem("signing key", "the certificate is of another key")])
    return _base64(certificate.public_bytes(Encoding.DER))


def _base64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def verify(xml: bytes, trusted: Trusted, *, required: bool, now: datetime) -> Verification:
    """The verdict on the signature of the CAP message ``xml``, verified at ``now``.

    ``trusted`` gives the keys registered for each sender (:func:`trusted_keys`);
    ``required``: the agreement refuses unsigned messages. Raises ``CapError`` if ``xml`` is
    not a valid CAP 1.2 message.
    """
    return verify_document(parse_document(xml), trusted, required=required, now=now)


def verify_document(
    document: CapDocument, trusted: Trusted, *, required: bool, now: datetime
) -> Verification:
    """Like :func:`verify`, for a message already read with :func:`~tanbih.cap.parse_document`."""
    parts = read_signature(document.root)
    if parts is None:
        if required:
            return _refused(Outcome.UNSIGNED, "not signed, and the agreement requires signatures")
        return Verification(Outcome.UNSIGNED, True, "not signed; the agreement allows that")
    if isinstance(parts, Flaw):
        return _refused(Outcome.MALFORMED, parts.message, parts.where)
    certificates = [strict_base64(text) for text in parts.certificates]
    digest_value = strict_base64(parts.digest_value)
    signature_value = strict_base64(parts.signature_value)
    altered = "is not canonical base64: the text was altered after signing"
    if any(der is None for der in certificates):
        return _refused(Outcome.BAD_CERTIFICATE, f"the certificate {altered}", _CERTIFICATE)
    if digest_value is None:
        return _refused(Outcome.BAD_DIGEST, f"DigestValue {altered}", _DIGEST_VALUE)
    if signature_value is None:
        return _refused(Outcome.BAD_SIGNATURE, f"SignatureValue {altered}", _SIGNATURE_VALUE)
    sender = document.alert.sender
    found = _registered(sender, trusted.get(sender, ()), [der for der in certificates if der])
    if isinstance(found, Verification):
        return found
    key = found
    if not key.not_before <= now <= key.not_after:
        return _refused(
            Outcome.UNTRUSTED_CERTIFICATE,
            f"the certificate of key {key.id!r} is valid from {key.not_before.isoformat()} "
            f"to {key.not_after.isoformat()}, not at {now.isoformat()}",
            _CERTIFICATE,
        )
    if parts.algorithm is not key.algorithm:
        return _refused(
            Outcome.MALFORMED,
            f"signed with {parts.algorithm}, but key {key.id!r} is registered for {key.algorithm}",
            "Signature/SignedInfo/SignatureMethod",
        )
    exclusive = parts.reference_exclusive
    if alert_digest(document.root, exclusive=exclusive, digest=parts.digest) != digest_value:
        return _refused(
            Outcome.BAD_DIGEST,
            "the alert was changed after it was signed: its digest differs from DigestValue",
            _DIGEST_VALUE,
        )
    if not signature_matches(parts, _certificate(key.certificate_pem), signature_value):
        return _refused(
            Outcome.BAD_SIGNATURE,
            f"SignatureValue does not verify with key {key.id!r}: SignedInfo or the value "
            "was changed, or another key signed",
            _SIGNATURE_VALUE,
        )
    return Verification(Outcome.VALID, True, f"signed with key {key.id!r}", key_id=key.id)


def _registered(
    sender: str, keys: Sequence[SigningKey], certificates: list[bytes]
) -> SigningKey | Verification:
    """The key among ``keys`` whose certificate the signature carries, or the refusal."""
    fingerprints = {hashlib.sha256(der).hexdigest() for der in certificates}
    key = next((key for key in keys if key.fingerprint in fingerprints), None)
    if key is not None:
        return key
    try:
        subject = x509.load_der_x509_certificate(certificates[0]).subject.rfc4514_string()
    except ValueError as exc:
        return _refused(
            Outcome.BAD_CERTIFICATE, f"not a readable X.509 certificate: {exc}", _CERTIFICATE
        )
    registered = (
        f"partner's keys are {', '.join(repr(k.id) for k in keys)}"
        if keys
        else "partner registers no signing key"
    )
    return _refused(
        Outcome.UNTRUSTED_CERTIFICATE,
        f"the certificate ({subject}) is not registered for sender {sender!r}; the {registered}",
        _CERTIFICATE,
    )


def _refused(outcome: Outcome, message: str, where: str = "Signature") -> Verification:
    return Verification(outcome, False, message, where)


@lru_cache(maxsize=256)
def _certificate(pem: str) -> x509.Certificate:
    # Registered certificates are few and fixed: each is read once, not once per message.
    return x509.load_pem_x509_certificate(pem.encode("ascii"))

"""Signatures that do not cover the whole alert, or have a shape tanbih refuses, are refused.

The wrapping attack: a signature that is cryptographically valid but covers only part of the
document (or another element) lets an attacker change what a reader sees. The forged messages
here are signed with the registered key, so only their shape can refuse them.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from tests.unit.cap.cap_strategies import plain_alert

from tanbih.cap import emit_xml
from tanbih.cap.signature import Outcome, sign, verify
from tanbih.cap.xml_parse import _parser as safe_parser
from tanbih.cli.keys import new_key_pair
from tanbih.coalition.keys import signing_key
from tanbih.domain.coalition import SigningKey

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALERT = plain_alert()
KEY, CERTIFICATE = new_key_pair("hub", "hub-1", now=NOW - timedelta(days=1), days=365)
REGISTERED = signing_key("hub-1", "ecdsa-sha256", CERTIFICATE.public_bytes(Encoding.PEM))
assert isinstance(REGISTERED, SigningKey)
TRUSTED = {ALERT.sender: (REGISTERED,)}
SIGNED = sign(emit_xml(ALERT), KEY, CERTIFICATE)
DSIG = "http://www.w3.org/2000/09/xmldsig#"
DS = f"{{{DSIG}}}"
EXCLUSIVE = "http://www.w3.org/2001/10/xml-exc-c14n#"


def _c14n(element: etree._Element) -> bytes:
    alone = etree.fromstring(etree.tostring(element, with_tail=False), safe_parser())
    return etree.tostring(alone, method="c14n", exclusive=True)


def forge(
    alert_xml: bytes, reference_uri: str, *, object_id: str = "", key_info_id: str = ""
) -> bytes:
    """``alert_xml`` with a valid signature by the registered key over the element the
    reference names by ``Id`` (a ds:Object holding a copy of the alert, or the KeyInfo)."""
    root = etree.fromstring(alert_xml, safe_parser())
    signature = etree.SubElement(root, DS + "Signature", nsmap={"ds": DSIG})
    signed_info = etree.SubElement(signature, DS + "SignedInfo")
    etree.SubElement(signed_info, DS + "CanonicalizationMethod", Algorithm=EXCLUSIVE)
    etree.SubElement(
        signed_info,
        DS + "SignatureMethod",
        Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    )
    reference = etree.SubElement(signed_info, DS + "Reference", URI=reference_uri)
    transforms = etree.SubElement(reference, DS + "Transforms")
    etree.SubElement(transforms, DS + "Transform", Algorithm=EXCLUSIVE)
    etree.SubElement(
        reference, DS + "DigestMethod", Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"
    )
    digest_value = etree.SubElement(reference, DS + "DigestValue")
    signature_value = etree.SubElement(signature, DS + "SignatureValue")
    key_info = etree.SubElement(signature, DS + "KeyInfo")
    if key_info_id:
        key_info.set("Id", key_info_id)
    certificate = etree.SubElement(
        etree.SubElement(key_info, DS + "X509Data"), DS + "X509Certificate"
    )
    certificate.text = base64.b64encode(CERTIFICATE.public_bytes(Encoding.DER)).decode()
    if object_id:
        holder = etree.SubElement(signature, DS + "Object", Id=object_id)
        holder.append(etree.fromstring(alert_xml, safe_parser()))
    (target,) = root.xpath("//*[@Id=$id]", id=reference_uri.removeprefix("#"))
    digest_value.text = base64.b64encode(hashlib.sha256(_c14n(target)).digest()).decode()
    r, s = decode_dss_signature(KEY.sign(_c14n(signed_info), ec.ECDSA(hashes.SHA256())))
    signature_value.text = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big")).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def signxml_accepts(xml: bytes) -> etree._Element:
    """What signxml, resolving references by Id, returns as signed (it raises if invalid)."""
    config = SignatureConfiguration(
        location="./",
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        verification_time=NOW,
    )
    root = etree.fromstring(xml, safe_parser())
    result = XMLVerifier().verify(root, x509_cert=CERTIFICATE, expect_config=config)
    assert not isinstance(result, list)
    assert result.signed_xml is not None
    return result.signed_xml


def test_signature_over_a_wrapped_copy_is_refused() -> None:
    """A signature over an Object holding the original alert does not vouch for the outer one."""
    legitimate = forge(emit_xml(ALERT), "#original", object_id="original")
    attack = legitimate.replace(b"<event>Drone</event>", b"<event>Plane</event>", 1)
    signed_part = signxml_accepts(attack)  # the signature itself is sound...
    assert signed_part.tag == DS + "Object"  # ...but covers the hidden copy, not the alert read
    verification = verify(attack, TRUSTED, required=True, now=NOW)
    assert (verification.outcome, verification.accepted) == (Outcome.MALFORMED, False)
    assert verification.where == "Signature/Object"


def test_reference_to_another_element_is_refused() -> None:
    """A valid signature whose one Reference points at KeyInfo leaves the whole alert unsigned."""
    attack = forge(emit_xml(ALERT), "#key", key_info_id="key")
    assert signxml_accepts(attack).tag == DS + "KeyInfo"
    verification = verify(attack, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.MALFORMED
    assert verification.where == "Signature/SignedInfo/Reference"
    assert "URI '#key' is refused" in verification.message


def _transform(algorithm: str, content: bytes = b"") -> bytes:
    return b'<ds:Transform Algorithm="' + algorithm.encode() + b'">' + content + b"</ds:Transform>"


def _between(start: bytes, end: bytes) -> bytes:
    """The text of the signed message from ``start`` up to ``end``."""
    return SIGNED[SIGNED.index(start) : SIGNED.index(end)]


SIGNATURE = _between(b"<ds:Signature ", b"</alert>")
REFERENCE = _between(b"<ds:Reference ", b"</ds:SignedInfo>")
TRANSFORMS = _between(b"<ds:Transform ", b"</ds:Transforms>")
X509_DATA = _between(b"<ds:X509Data>", b"</ds:KeyInfo>")
KEY_INFO = _between(b"<ds:KeyInfo>", b"</ds:Signature>")
NAMESPACE = b' xmlns:ds="' + DSIG.encode() + b'"'
ENVELOPED = _transform(DSIG + "enveloped-signature")
C14N = _transform(EXCLUSIVE)
XPATH = _transform("http://www.w3.org/TR/1999/REC-xpath-19991116", b"<ds:XPath>1</ds:XPath>")
SUBJECT_ONLY = b"<ds:X509Data><ds:X509SubjectName>CN=hub-1</ds:X509SubjectName></ds:X509Data>"
C14N_METHOD = b'CanonicalizationMethod Algorithm="' + EXCLUSIVE.encode() + b'"'
OTHER_C14N = b'CanonicalizationMethod Algorithm="urn:x"'
SHA256 = b"http://www.w3.org/2001/04/xmlenc#sha256"
INFO = "Signature/SignedInfo"
REF = "Signature/SignedInfo/Reference"

SHAPES: list[tuple[str, bytes, bytes, str, str]] = [
    # (case, text in the signed message, replaced by, element named, words of the message)
    ("second signature", b"</alert>", SIGNATURE + b"</alert>", "Signature", "2 signatures"),
    ("ds: beside", b"</alert>", b"<ds:Object" + NAMESPACE + b"/></alert>", "Object", "no ds:"),
    ("two references", REFERENCE, REFERENCE * 2, INFO, "Reference, Reference"),
    ("no URI", b'<ds:Reference URI="">', b"<ds:Reference>", REF, "URI None"),
    ("external URI", b'URI=""', b'URI="https://example.org/a.xml"', REF, "another document"),
    ("no enveloped", TRANSFORMS, C14N, f"{REF}/Transforms", "refused"),
    ("reversed", TRANSFORMS, C14N + ENVELOPED, f"{REF}/Transforms", "refused"),
    ("XPath filter", TRANSFORMS, ENVELOPED + XPATH, f"{REF}/Transforms", "without content"),
    (
        "RSA-SHA1",
        b"http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        b"http://www.w3.org/2000/09/xmldsig#rsa-sha1",
        f"{INFO}/SignatureMethod",
        "'http://www.w3.org/2000/09/xmldsig#rsa-sha1' is not accepted",
    ),
    (
        "SHA-1 digest",
        SHA256,
        b"http://www.w3.org/2000/09/xmldsig#sha1",
        f"{REF}/DigestMethod",
        "digest 'http://www.w3.org/2000/09/xmldsig#sha1' is not accepted",
    ),
    ("other C14N", C14N_METHOD, OTHER_C14N, f"{INFO}/CanonicalizationMethod", "'urn:x' is not"),
    ("key value only", X509_DATA, b"<ds:KeyValue/>", "Signature/KeyInfo", "holds KeyValue"),
    ("no certificate", X509_DATA, SUBJECT_ONLY, "Signature/KeyInfo/X509Data", "no X509Certificate"),
    ("no KeyInfo", KEY_INFO, b"", "Signature", "expected SignedInfo, SignatureValue, KeyInfo"),
    (
        "empty",
        SIGNATURE,
        b"<ds:Signature" + NAMESPACE + b">...</ds:Signature>",
        "Signature",
        "nothing",
    ),
]


@pytest.mark.parametrize(
    ("case", "old", "new", "where", "words"), SHAPES, ids=[s[0] for s in SHAPES]
)
def test_signature_of_another_shape_is_malformed(
    case: str, old: bytes, new: bytes, where: str, words: str
) -> None:
    """Each departure from the one accepted shape is refused, naming the element at fault."""
    assert old in SIGNED, case
    verification = verify(SIGNED.replace(old, new, 1), TRUSTED, required=False, now=NOW)
    assert (verification.outcome, verification.accepted) == (Outcome.MALFORMED, False)
    assert verification.where == where
    assert words in verification.message

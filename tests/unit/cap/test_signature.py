"""Signing tanbih's own CAP messages and verifying them: every outcome, and what each names."""

from __future__ import annotations

import base64
import re
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import Encoding
from hypothesis import HealthCheck, given, settings
from lxml import etree
from signxml import SignatureConfiguration, XMLVerifier
from signxml.algorithms import DigestAlgorithm, SignatureMethod
from tests.unit.cap.cap_strategies import alerts, plain_alert

from tanbih.cap import emit_xml, parse_document, parse_xml
from tanbih.cap.signature import (
    Outcome,
    PrivateKey,
    sign,
    signed_info_c14n,
    verify,
    verify_document,
)
from tanbih.cap.xml_parse import _parser as safe_parser
from tanbih.cap.xmldsig import SignatureParts, canonical, read_signature
from tanbih.cap.xsd import schema_problems
from tanbih.cli.keys import new_key_pair
from tanbih.coalition.keys import signing_key
from tanbih.domain.cap import Alert
from tanbih.domain.coalition import SigningKey
from tanbih.errors import CapError, ConfigurationError

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
ALERT = plain_alert()
SENDER = ALERT.sender
KEY, CERTIFICATE = new_key_pair("hub", "hub-1", now=NOW - timedelta(days=1), days=365)
SECOND_KEY, SECOND_CERTIFICATE = new_key_pair("hub", "hub-2", now=NOW, days=365)
STRANGER_KEY, STRANGER_CERTIFICATE = new_key_pair("zz", "zz-1", now=NOW, days=365)
DS = "{http://www.w3.org/2000/09/xmldsig#}"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
RSA_CERTIFICATE = (
    x509.CertificateBuilder()
    .subject_name(CERTIFICATE.subject)
    .issuer_name(CERTIFICATE.subject)
    .public_key(RSA_KEY.public_key())
    .serial_number(7)
    .not_valid_before(NOW - timedelta(days=1))
    .not_valid_after(NOW + timedelta(days=1))
    .sign(RSA_KEY, hashes.SHA256())
)


def registered(
    key_id: str, certificate: x509.Certificate, algorithm: str = "ecdsa-sha256"
) -> SigningKey:
    """The key as the coalition file registers it."""
    key = signing_key(key_id, algorithm, certificate.public_bytes(Encoding.PEM))
    assert isinstance(key, SigningKey), key
    return key


HUB_1, HUB_2 = registered("hub-1", CERTIFICATE), registered("hub-2", SECOND_CERTIFICATE)
TRUSTED = {SENDER: (HUB_1, HUB_2), "other@example.org": (registered("zz-1", STRANGER_CERTIFICATE),)}
SIGNED = sign(emit_xml(ALERT), KEY, CERTIFICATE)


def value_of(xml: bytes, element: str) -> bytes:
    """The text of the first ``ds:element`` in ``xml``."""
    found = re.search(rb"<ds:" + element.encode() + rb">(.*?)</ds:", xml, re.S)
    assert found is not None
    return found.group(1)


def test_signed_message_is_cap_and_reads_back_to_the_same_alert() -> None:
    """The signature rides in CAP's ds:Signature slot: XSD-valid, same model, marked signed."""
    document = parse_document(SIGNED)
    assert schema_problems(document.root) == []
    assert document.signed
    assert document.alert == ALERT
    assert SIGNED.startswith(emit_xml(ALERT)[: -len(b"</alert>\n")])


def test_signature_is_enveloped_exclusive_sha256_with_the_certificate() -> None:
    """One reference to the whole alert; exclusive C14N, SHA-256, ECDSA; the signer's cert."""
    signature = etree.fromstring(SIGNED, safe_parser()).find(DS + "Signature")
    assert signature is not None
    algorithms = [e.get("Algorithm") for e in signature.iter() if e.get("Algorithm")]
    assert algorithms == [
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/04/xmlenc#sha256",
    ]
    assert [r.get("URI") for r in signature.iter(DS + "Reference")] == [""]
    embedded = base64.b64decode(value_of(SIGNED, "X509Certificate"))
    assert embedded == CERTIFICATE.public_bytes(Encoding.DER)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alerts())
def test_any_alert_signs_and_verifies(alert: Alert) -> None:
    """Whatever the alert holds, its signed form reads back equal and verifies with the key."""
    signed = sign(emit_xml(alert), KEY, CERTIFICATE)
    assert parse_xml(signed) == alert
    verification = verify(signed, {alert.sender: (HUB_1,)}, required=True, now=NOW)
    assert verification.outcome is Outcome.VALID


def test_valid_signature_names_the_key() -> None:
    """A message signed with a registered key is accepted, naming that key."""
    verification = verify(SIGNED, TRUSTED, required=True, now=NOW)
    assert (verification.outcome, verification.accepted) == (Outcome.VALID, True)
    assert verification.key_id == "hub-1"
    signed_by_second = sign(emit_xml(ALERT), SECOND_KEY, SECOND_CERTIFICATE)
    assert verify(signed_by_second, TRUSTED, required=True, now=NOW).key_id == "hub-2"


def test_markup_outside_the_alert_is_not_signed() -> None:
    """A stylesheet link or comment before the alert is not part of it: the signature holds."""
    prolog = b'<?xml-stylesheet type="text/xsl" href="https://example.org/cap.xsl"?>\n<!-- x -->\n'
    start = SIGNED.index(b"<alert")
    decorated = SIGNED[:start] + prolog + SIGNED[start:]
    assert verify(decorated, TRUSTED, required=True, now=NOW).outcome is Outcome.VALID


def test_unsigned_is_refused_only_when_signatures_are_required() -> None:
    """An unsigned message is refused under the agreement's flag, tolerated without it."""
    unsigned = emit_xml(ALERT)
    refused = verify(unsigned, TRUSTED, required=True, now=NOW)
    tolerated = verify(unsigned, TRUSTED, required=False, now=NOW)
    assert (refused.outcome, refused.accepted) == (Outcome.UNSIGNED, False)
    assert "requires signatures" in refused.message
    assert (tolerated.outcome, tolerated.accepted) == (Outcome.UNSIGNED, True)


def test_a_present_signature_is_checked_even_when_not_required() -> None:
    """Tolerating unsigned messages never means accepting a tampered signed one."""
    tampered = SIGNED.replace(b"<event>Drone</event>", b"<event>Plane</event>")
    verification = verify(tampered, TRUSTED, required=False, now=NOW)
    assert (verification.outcome, verification.accepted) == (Outcome.BAD_DIGEST, False)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"<event>Drone</event>", b"<event>Plane</event>"),
        (b"<status>Exercise</status>", b"<status>Actual</status>"),
        (b"<expires>", b"<expires>  "),
        (b"  <info>", b"<info>"),
    ],
    ids=["text", "status", "white space in a value", "indentation"],
)
def test_content_changed_after_signing_is_a_bad_digest(old: bytes, new: bytes) -> None:
    """Any change to the alert, white space included, breaks the digest of what was signed."""
    tampered = SIGNED.replace(old, new, 1)
    assert tampered != SIGNED
    verification = verify(tampered, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.BAD_DIGEST
    assert verification.where == "Signature/SignedInfo/Reference/DigestValue"
    assert "changed after it was signed" in verification.message


def test_recomputed_digest_breaks_the_signature() -> None:
    """An attacker who also rewrites DigestValue changes SignedInfo: the signature fails."""
    tampered = SIGNED.replace(b"<event>Drone</event>", b"<event>Plane</event>")
    honest = sign(emit_xml(ALERT).replace(b"Drone", b"Plane"), KEY, CERTIFICATE)
    forged = tampered.replace(value_of(SIGNED, "DigestValue"), value_of(honest, "DigestValue"))
    verification = verify(forged, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.BAD_SIGNATURE
    assert verification.where == "Signature/SignatureValue"


def test_another_signature_value_is_a_bad_signature() -> None:
    """A well-formed SignatureValue that is not this message's is refused as a bad signature."""
    other = sign(emit_xml(ALERT).replace(b"Drone", b"Plane"), KEY, CERTIFICATE)
    forged = SIGNED.replace(value_of(SIGNED, "SignatureValue"), value_of(other, "SignatureValue"))
    verification = verify(forged, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.BAD_SIGNATURE
    assert "does not verify with key 'hub-1'" in verification.message


def test_swapped_certificate_of_another_registered_key_is_a_bad_signature() -> None:
    """Naming the sender's other key does not make its signature verify."""
    other = sign(emit_xml(ALERT), SECOND_KEY, SECOND_CERTIFICATE)
    forged = SIGNED.replace(value_of(SIGNED, "X509Certificate"), value_of(other, "X509Certificate"))
    verification = verify(forged, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.BAD_SIGNATURE
    assert "key 'hub-2'" in verification.message


def test_unregistered_certificate_is_untrusted() -> None:
    """A key the sender's partner never registered, however valid its signature, is refused."""
    stranger = sign(emit_xml(ALERT), STRANGER_KEY, STRANGER_CERTIFICATE)
    verification = verify(stranger, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.UNTRUSTED_CERTIFICATE
    assert verification.where == "Signature/KeyInfo/X509Data/X509Certificate"
    assert f"not registered for sender {SENDER!r}" in verification.message
    assert "'hub-1', 'hub-2'" in verification.message


def test_a_sender_without_keys_is_untrusted() -> None:
    """A signed message from a sender whose partner registers no key cannot be trusted."""
    verification = verify(SIGNED, {}, required=False, now=NOW)
    assert verification.outcome is Outcome.UNTRUSTED_CERTIFICATE
    assert "registers no signing key" in verification.message


@pytest.mark.parametrize(
    ("now", "words"),
    [(NOW - timedelta(days=2), "not at 2026-02-27"), (NOW + timedelta(days=400), "not at 2027")],
    ids=["not yet valid", "expired"],
)
def test_certificate_outside_its_validity_is_untrusted(now: datetime, words: str) -> None:
    """A registered certificate vouches for a key only between its validity dates."""
    verification = verify(SIGNED, TRUSTED, required=True, now=now)
    assert verification.outcome is Outcome.UNTRUSTED_CERTIFICATE
    assert "is valid from 2026-02-28" in verification.message
    assert words in verification.message


def test_signature_method_must_be_the_registered_one() -> None:
    """A key registered for ecdsa-sha256 never verifies a signature claiming rsa-sha256."""
    claimed = SIGNED.replace(b"xmldsig-more#ecdsa-sha256", b"xmldsig-more#rsa-sha256")
    verification = verify(claimed, TRUSTED, required=True, now=NOW)
    assert verification.outcome is Outcome.MALFORMED
    assert "registered for ecdsa-sha256" in verification.message


def _same_bytes_other_text(value: bytes) -> bytes:
    """``value`` re-encoded so lenient decoders read the same bytes: a padding bit set, else a
    character outside the alphabet (which lenient decoders skip)."""
    text = b"".join(value.split())
    data = text.rstrip(b"=")
    if data == text:
        return text[:8] + b"!" + text[8:]
    return data[:-1] + bytes([data[-1] + 1]) + text[len(data) :]


@pytest.mark.parametrize(
    ("element", "outcome", "where"),
    [
        ("DigestValue", Outcome.BAD_DIGEST, "Signature/SignedInfo/Reference/DigestValue"),
        ("SignatureValue", Outcome.BAD_SIGNATURE, "Signature/SignatureValue"),
        ("X509Certificate", Outcome.BAD_CERTIFICATE, "Signature/KeyInfo/X509Data/X509Certificate"),
    ],
)
def test_altered_encoding_is_refused_for_its_element(
    element: str, outcome: Outcome, where: str
) -> None:
    """A value whose base64 text changed, even in bits that decode to the same bytes, is refused."""
    value = value_of(SIGNED, element)
    altered = _same_bytes_other_text(value)
    assert base64.b64decode(altered) == base64.b64decode(value)
    verification = verify(SIGNED.replace(value, altered), TRUSTED, required=True, now=NOW)
    assert (verification.outcome, verification.where) == (outcome, where)
    assert "not canonical base64" in verification.message


def test_rsa_keys_sign_and_verify() -> None:
    """A partner's RSA key signs with rsa-sha256 and verifies against its registration."""
    signed = sign(emit_xml(ALERT), RSA_KEY, RSA_CERTIFICATE)
    assert b"xmldsig-more#rsa-sha256" in signed
    trusted = {SENDER: (registered("hub-rsa", RSA_CERTIFICATE, "rsa-sha256"),)}
    assert verify(signed, trusted, required=True, now=NOW).key_id == "hub-rsa"


def test_signxml_verifies_what_tanbih_signs() -> None:
    """Partners verifying with signxml (or any XML-DSig library) accept tanbih's signatures."""
    config = SignatureConfiguration(
        location="./",
        signature_methods=frozenset({SignatureMethod.ECDSA_SHA256}),
        digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
        verification_time=NOW,
    )
    root = etree.fromstring(SIGNED, safe_parser())
    result = XMLVerifier().verify(root, x509_cert=CERTIFICATE, expect_config=config)
    assert not isinstance(result, list)
    assert result.signed_xml is not None
    assert result.signed_xml.findtext("{*}identifier") == ALERT.identifier


@pytest.mark.parametrize(
    ("key", "certificate", "ecdsa"),
    [(KEY, CERTIFICATE, True), (RSA_KEY, RSA_CERTIFICATE, False)],
    ids=["ecdsa", "rsa"],
)
def test_the_signed_text_is_the_canonical_signed_info(
    key: PrivateKey, certificate: x509.Certificate, ecdsa: bool
) -> None:
    """The SignedInfo signed from the template is what C14N makes of the one in the message."""
    parts = read_signature(parse_document(sign(emit_xml(ALERT), key, certificate)).root)
    assert isinstance(parts, SignatureParts)
    written = canonical(parts.signed_info, exclusive=True, with_comments=False).decode()
    assert written == signed_info_c14n(ecdsa=ecdsa, digest_value=parts.digest_value)


def test_markup_beside_the_alert_is_left_out_when_signing() -> None:
    """Markup beside the alert is dropped when signing: the signed document is the alert."""
    unsigned = emit_xml(ALERT)
    start = unsigned.index(b"<alert")
    decorated = unsigned[:start] + b"<!-- before -->" + unsigned[start:] + b"<?pi after?>"
    signed = sign(decorated, KEY, CERTIFICATE)
    assert b"before" not in signed
    assert b"<?pi" not in signed
    assert verify(signed, TRUSTED, required=True, now=NOW).outcome is Outcome.VALID


def test_verify_document_reuses_a_parsed_message() -> None:
    """A message the API already read is verified without reading it again."""
    verification = verify_document(parse_document(SIGNED), TRUSTED, required=True, now=NOW)
    assert verification.key_id == "hub-1"


def test_refusal_becomes_a_cap_error_naming_the_element() -> None:
    """The API can raise a refusal as the CapError it already turns into a clear 4xx."""
    verification = verify(emit_xml(ALERT), TRUSTED, required=True, now=NOW)
    error = verification.error()
    assert isinstance(error, CapError)
    assert str(error) == "Signature: not signed, and the agreement requires signatures"


def test_input_that_is_not_cap_raises() -> None:
    """Bytes that are not a readable CAP alert raise CapError, as the parser says why."""
    with pytest.raises(CapError, match="not a CAP alert"):
        verify(b"<x/>", TRUSTED, required=True, now=NOW)
    with pytest.raises(CapError, match="DOCTYPE"):
        verify(
            b'<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + SIGNED[39:],
            TRUSTED,
            required=True,
            now=NOW,
        )


def test_sign_refuses_a_signed_message_and_a_foreign_certificate() -> None:
    """Signing twice, or with a certificate of another key, is refused before anything is made."""
    with pytest.raises(CapError, match="signed already"):
        sign(SIGNED, KEY, CERTIFICATE)
    with pytest.raises(ConfigurationError, match="certificate is of another key"):
        sign(emit_xml(ALERT), KEY, SECOND_CERTIFICATE)

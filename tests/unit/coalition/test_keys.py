"""Signing keys in the coalition file: certificates inline or in files, the signatures flag."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from tests.unit.coalition.samples import Document, Write, load_problems, minimal, minimal_zones

from tanbih.cli.keys import new_key_pair
from tanbih.coalition import load_coalition
from tanbih.domain.coalition import SignatureAlgorithm

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@cache
def certificate(key_id: str) -> x509.Certificate:
    """A self-signed P-256 certificate, one per key id, made once per test run."""
    return new_key_pair("aa", key_id, now=NOW, days=365)[1]


def pem(cert: x509.Certificate) -> str:
    """The certificate as PEM text."""
    return cert.public_bytes(Encoding.PEM).decode("ascii")


def self_signed(key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> str:
    """A minimal self-signed certificate for any key, as PEM text."""
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "test")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(NOW)
        .not_valid_after(NOW.replace(year=2027))
        .sign(key, hashes.SHA256())
    )
    return pem(cert)


def with_keys(*keys: Document, required: bool | None = None) -> Document:
    """The minimal coalition with ``keys`` on partner A, and a ``signatures`` section if given."""
    document = minimal()
    document["partners"][1]["keys"] = list(keys)
    if required is not None:
        document["signatures"] = {"required": required}
    return document


def test_keys_load_from_inline_pem_and_from_files(write: Write) -> None:
    """A key's certificate may be PEM text in the file or a PEM file beside it."""
    inline, in_file = certificate("aa-1"), certificate("aa-2")
    path = write(
        with_keys(
            {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": pem(inline)},
            {"id": "aa-2", "algorithm": "ecdsa-sha256", "certificate": "keys/aa-2.cert.pem"},
        ),
        {**minimal_zones(), "keys/aa-2.cert.pem": pem(in_file)},
    )
    partner = load_coalition(path).partner("aa")
    assert partner is not None
    assert [key.id for key in partner.keys] == ["aa-1", "aa-2"]
    for key, cert in zip(partner.keys, (inline, in_file), strict=True):
        assert key.algorithm is SignatureAlgorithm.ECDSA_SHA256
        assert key.fingerprint == cert.fingerprint(hashes.SHA256()).hex()
        assert (key.not_before, key.not_after) == (
            cert.not_valid_before_utc,
            cert.not_valid_after_utc,
        )
        assert x509.load_pem_x509_certificate(key.certificate_pem.encode()) == cert


def test_signatures_flag_defaults_to_not_required(write: Write) -> None:
    """Without a ``signatures`` section unsigned messages stay acceptable, as before keys."""
    assert load_coalition(write(minimal())).signatures_required is False


def test_signatures_flag_is_read(write: Write) -> None:
    """``signatures.required: true`` is the coalition's agreement to refuse unsigned messages."""
    document = with_keys(
        {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": pem(certificate("aa-1"))},
        required=True,
    )
    document["partners"][0]["keys"] = [
        {"id": "hub-1", "algorithm": "ecdsa-sha256", "certificate": pem(certificate("hub-1"))}
    ]
    assert load_coalition(write(document)).signatures_required is True


def test_rsa_keys_of_2048_bits_load(write: Write) -> None:
    """A partner with an existing RSA signing certificate registers it as rsa-sha256."""
    text = self_signed(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    path = write(with_keys({"id": "aa-rsa", "algorithm": "rsa-sha256", "certificate": text}))
    partner = load_coalition(path).partner("aa")
    assert partner is not None
    assert partner.keys[0].algorithm is SignatureAlgorithm.RSA_SHA256


def _garbage() -> str:
    return "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n"


KEY = ("partners", 1, "keys", 0)
CASES: list[tuple[str, Document, str, str]] = [
    # (case, key entry on partner A, where the problem must be, words its message must contain)
    ("algorithm unknown", {"algorithm": "ed25519"}, "algorithm", "ecdsa-sha256"),
    ("algorithm missing", {"algorithm": None}, "algorithm", "required"),
    ("unknown key", {"pem": "x"}, "pem", "unknown key"),
    ("file missing", {"certificate": "keys/none.pem"}, "certificate", "not found"),
    ("not a certificate", {"certificate": _garbage()}, "certificate", "not a PEM X.509"),
    ("empty", {"certificate": ""}, "certificate", "must not be empty"),
    ("id malformed", {"id": "AA 1"}, "id", "lowercase"),
]


@pytest.mark.parametrize(("case", "change", "where", "words"), CASES, ids=[c[0] for c in CASES])
def test_a_bad_key_entry_is_named(
    write: Write, case: str, change: Document, where: str, words: str
) -> None:
    """Each mistake in a key entry is reported at its path inside the file."""
    entry = {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": pem(certificate("aa-1"))}
    entry.update(change)
    entry = {name: value for name, value in entry.items() if value is not None}
    problems = load_problems(write(with_keys(entry)))
    path = "partners[1].keys[0]." + where
    assert any(p.where == path and words in p.message for p in problems), (case, problems)


def test_certificate_must_fit_the_algorithm(write: Write) -> None:
    """ecdsa-sha256 needs a P-256 key; rsa-sha256 an RSA key of at least 2,048 bits."""
    p384 = self_signed(ec.generate_private_key(ec.SECP384R1()))
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 -- refused
    rsa1024 = self_signed(weak)
    ecdsa_rsa = {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": rsa1024}
    ecdsa_p384 = {"id": "aa-2", "algorithm": "ecdsa-sha256", "certificate": p384}
    rsa_small = {"id": "aa-3", "algorithm": "rsa-sha256", "certificate": rsa1024}
    rsa_ec = {"id": "aa-4", "algorithm": "rsa-sha256", "certificate": p384}
    problems = load_problems(write(with_keys(ecdsa_rsa, ecdsa_p384, rsa_small, rsa_ec)))
    messages = {p.where: p.message for p in problems}
    assert "EC P-256" in messages["partners[1].keys[0].certificate"]
    assert "EC P-256" in messages["partners[1].keys[1].certificate"]
    assert "at least 2048 bits" in messages["partners[1].keys[2].certificate"]
    assert "at least 2048 bits" in messages["partners[1].keys[3].certificate"]


def test_a_key_is_one_certificate(write: Write) -> None:
    """A PEM file with a chain is refused: a key is registered by its own certificate alone."""
    chain = pem(certificate("aa-1")) + pem(certificate("aa-2"))
    path = write(
        with_keys({"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": "chain.pem"}),
        {**minimal_zones(), "chain.pem": chain},
    )
    (problem,) = load_problems(path)
    assert problem.where == "partners[1].keys[0].certificate"
    assert "holds 2 certificates" in problem.message


def test_key_ids_and_certificates_are_unique_in_the_coalition(write: Write) -> None:
    """A verified signature names one key of one partner: ids and certificates never repeat."""
    document = with_keys(
        {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": pem(certificate("aa-1"))}
    )
    document["partners"][0]["keys"] = [
        {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": pem(certificate("aa-1"))}
    ]
    problems = {p.where: p.message for p in load_problems(write(document))}
    assert (
        "key id 'aa-1' already given at partners[0].keys[0].id"
        in problems["partners[1].keys[0].id"]
    )
    assert (
        "already registered at partners[0].keys[0].certificate"
        in problems["partners[1].keys[0].certificate"]
    )


def test_required_signatures_need_a_key_for_every_sending_partner(write: Write) -> None:
    """With signatures required, a partner that sends but registers no key could never post."""
    document = with_keys(
        {"id": "aa-1", "algorithm": "ecdsa-sha256", "certificate": pem(certificate("aa-1"))},
        required=True,
    )
    (problem,) = load_problems(write(document))
    assert problem.where == "partners[0].keys"
    assert "partner 'hub' registers no key" in problem.message

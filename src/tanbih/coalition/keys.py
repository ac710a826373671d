"""Signing keys in the coalition file: each partner's certificates, read and checked.

A key's ``certificate`` is PEM text written in the file, or the name of a PEM file beside it
(read through the same ``read_file`` callable as zone files). Each must hold exactly one X.509
certificate whose public key fits the declared ``algorithm``: an EC P-256 key for
``ecdsa-sha256``, an RSA key of at least 2,048 bits for ``rsa-sha256``. A certificate may be
registered once in the whole coalition, so a verified signature names one key of one partner.
Validity dates are kept, not judged: whether a certificate is current depends on when a message
is verified, which is the verifier's business (:mod:`tanbih.cap.signature`).
"""

from __future__ import annotations

from collections.abc import Callable

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import Encoding

from tanbih.coalition.schema import CoalitionFile
from tanbih.coalition.source import DocPath, SourceMap, format_path
from tanbih.domain.coalition import SignatureAlgorithm, SigningKey
from tanbih.errors import Problem

ReadFile = Callable[[str], bytes]

MIN_RSA_BITS = 2048
_PEM_START = "-----BEGIN"


def signing_keys(
    file: CoalitionFile, read_file: ReadFile, source_map: SourceMap
) -> tuple[list[tuple[SigningKey, ...]], list[Problem]]:
    """Each partner's keys, in the order of ``file.partners``, and every problem with them."""
    keys: list[tuple[SigningKey, ...]] = []
    problems: list[Problem] = []
    first: dict[str, DocPath] = {}
    for i, partner in enumerate(file.partners):
        loaded: list[SigningKey] = []
        for k, entry in enumerate(partner.keys):
            path: DocPath = ("partners", i, "keys", k, "certificate")
            pem = _pem(entry.certificate, read_file)
            key = pem if isinstance(pem, str) else signing_key(entry.id, entry.algorithm, pem)
            if isinstance(key, str):
                problems.append(source_map.problem(path, key))
            elif key.fingerprint in first:
                earlier = format_path(first[key.fingerprint])
                message = f"this certificate is already registered at {earlier}"
                problems.append(source_map.problem(path, message))
            else:
                first[key.fingerprint] = path
                loaded.append(key)
        keys.append(tuple(loaded))
    return keys, problems


def signing_key(key_id: str, algorithm: str, pem: bytes) -> SigningKey | str:
    """The key ``key_id`` registered by the PEM certificate ``pem``, or what is wrong with it."""
    try:
        certificates = x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        return f"not a PEM X.509 certificate: {exc}"
    if len(certificates) != 1:
        return f"holds {len(certificates)} certificates; a key is registered by exactly one"
    certificate = certificates[0]
    mismatch = _key_mismatch(certificate, SignatureAlgorithm(algorithm))
    if mismatch is not None:
        return mismatch
    return SigningKey(
        id=key_id,
        algorithm=SignatureAlgorithm(algorithm),
        certificate_pem=certificate.public_bytes(Encoding.PEM).decode("ascii"),
        fingerprint=certificate.fingerprint(hashes.SHA256()).hex(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def _pem(value: str, read_file: ReadFile) -> bytes | str:
    """The PEM bytes of a ``certificate`` value (inline text or a file name), or a problem."""
    if value.lstrip().startswith(_PEM_START):
        return value.encode("ascii", errors="replace")
    try:
        return read_file(value)
    except OSError as exc:
        reason = "not found" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
        looked = f" (looked for {exc.filename})" if exc.filename else ""
        return f"certificate file {value!r}: {reason}{looked}"


def _key_mismatch(certificate: x509.Certificate, algorithm: SignatureAlgorithm) -> str | None:
    """Why the certificate's public key cannot sign with ``algorithm``, or ``None``."""
    key = certificate.public_key()
    if algorithm is SignatureAlgorithm.ECDSA_SHA256:
        if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
            return None
        return "ecdsa-sha256 needs a certificate for an EC P-256 (secp256r1) key"
    if isinstance(key, rsa.RSAPublicKey) and key.key_size >= MIN_RSA_BITS:
        return None
    return f"rsa-sha256 needs a certificate for an RSA key of at least {MIN_RSA_BITS} bits"

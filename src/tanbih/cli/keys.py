"""``tanbih keys``: make a partner's CAP signing key and the certificate that registers it.

The key is ECDSA P-256, signing with ``ecdsa-sha256``, not Ed25519: XML-DSig libraries partners
use have no Ed25519 signature method (signxml 5.2 offers RSA, RSA-PSS, ECDSA, DSA and HMAC),
while ECDSA P-256 with SHA-256 is an algorithm XML Signature 1.1 requires every implementation
to support, so partners' own CAP systems can check what tanbih signs.

The certificate is self-signed: trust comes from registering it in the coalition file the
partners sign, not from a certificate authority.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from cryptography.x509.oid import NameOID

from tanbih.coalition.schema import ID_PATTERN

app = typer.Typer(no_args_is_help=True)

DEFAULT_DAYS = 730
MAX_DAYS = 3650
# Back-dated a little so a partner whose clock runs slow does not see a future certificate.
CLOCK_SKEW = timedelta(minutes=5)


def new_key_pair(
    partner_id: str, key_id: str, *, now: datetime, days: int
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A fresh ECDSA P-256 key and its self-signed certificate, valid ``days`` from ``now``."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, key_id),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "tanbih CAP signing"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, partner_id),
        ]
    )
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=True,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - CLOCK_SKEW)
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


@app.callback()
def keys() -> None:
    """CAP signing keys: make one for a partner, to register in the coalition file."""
    # A callback keeps ``keys`` a command group, so ``keys new`` stays ``keys new``.


@app.command()
def new(
    partner_id: Annotated[str, typer.Argument(help="The partner's id in the coalition file.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the key and certificate.")],
    key_id: Annotated[
        str | None, typer.Option("--id", help="The key's id (default PARTNER-YYYYMMDD).")
    ] = None,
    days: Annotated[
        int, typer.Option(min=1, max=MAX_DAYS, help="Days the certificate is valid.")
    ] = DEFAULT_DAYS,
) -> None:
    """Make a signing key for PARTNER_ID in OUT, and print how to register it."""
    now = datetime.now(UTC)
    key_id = key_id or f"{partner_id}-{now:%Y%m%d}"
    for what, value in (("partner id", partner_id), ("key id", key_id)):
        if not ID_PATTERN.fullmatch(value):
            typer.echo(f"{value!r} is not a {what} (1-32 lowercase letters, digits, '-')", err=True)
            raise typer.Exit(2)
    key_path, certificate_path = out / f"{key_id}.key.pem", out / f"{key_id}.cert.pem"
    for path in (key_path, certificate_path):
        if path.exists():
            typer.echo(f"{path} exists; a key is never overwritten (choose another --id)", err=True)
            raise typer.Exit(1)
    key, certificate = new_key_pair(partner_id, key_id, now=now, days=days)
    out.mkdir(parents=True, exist_ok=True)
    private = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    # Created readable by its owner only, before a byte of the key is written.
    descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(private)
    certificate_path.write_bytes(certificate.public_bytes(Encoding.PEM))
    until = certificate.not_valid_after_utc.date().isoformat()
    typer.echo(f"Signing key {key_id} for partner {partner_id} (ECDSA P-256, valid to {until}):")
    typer.echo(f"  private key  {key_path}  (secret: only the partner's node reads it)")
    typer.echo(f"  certificate  {certificate_path}")
    typer.echo(f"Register it under partner {partner_id} in the coalition file (the path is")
    typer.echo("relative to the coalition file's folder; or paste the PEM text instead):")
    typer.echo("    keys:")
    typer.echo(f"      - id: {key_id}")
    typer.echo("        algorithm: ecdsa-sha256")
    typer.echo(f"        certificate: {certificate_path.as_posix()}")

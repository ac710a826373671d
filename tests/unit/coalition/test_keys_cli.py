"""``tanbih keys new``: a partner's signing key, and the lines that register it."""

from __future__ import annotations

import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import yaml
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from tests.unit.coalition.samples import Write, minimal
from typer.testing import CliRunner

from tanbih.cli.keys import app
from tanbih.coalition import load_coalition

runner = CliRunner()


def test_new_writes_a_private_p256_key_and_its_certificate(tmp_path: Path) -> None:
    """The key file is readable by its owner only; the certificate is of that key, self-signed."""
    result = runner.invoke(app, ["new", "aa", "--out", str(tmp_path), "--id", "aa-1"])
    assert result.exit_code == 0, result.output
    key_path, certificate_path = tmp_path / "aa-1.key.pem", tmp_path / "aa-1.cert.pem"
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    key = load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    assert certificate.public_key() == key.public_key()
    assert certificate.issuer == certificate.subject
    assert certificate.extensions.get_extension_for_class(x509.KeyUsage).value.digital_signature
    assert not certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_printed_lines_register_the_key(tmp_path: Path, write: Write) -> None:
    """The snippet printed, pasted under the partner in the coalition file, loads as its key."""
    result = runner.invoke(app, ["new", "aa", "--out", str(tmp_path / "keys"), "--id", "aa-1"])
    snippet = result.output[result.output.index("    keys:") :]
    document = minimal()
    document["partners"][1].update(yaml.safe_load(snippet.replace("    keys:", "keys:", 1)))
    partner = load_coalition(write(document)).partner("aa")
    assert partner is not None
    (key,) = partner.keys
    assert key.id == "aa-1"
    assert key.certificate_pem.encode() == (tmp_path / "keys" / "aa-1.cert.pem").read_bytes()


def test_default_id_is_partner_and_date_and_days_set_validity(tmp_path: Path) -> None:
    """Without --id the key is PARTNER-YYYYMMDD; --days is how long its certificate holds."""
    result = runner.invoke(app, ["new", "aa", "--out", str(tmp_path), "--days", "30"])
    assert result.exit_code == 0, result.output
    (certificate_path,) = tmp_path.glob("*.cert.pem")
    assert re.fullmatch(r"aa-\d{8}\.cert\.pem", certificate_path.name)
    certificate = x509.load_pem_x509_certificate(certificate_path.read_bytes())
    lifetime = certificate.not_valid_after_utc - certificate.not_valid_before_utc
    assert timedelta(days=30) < lifetime < timedelta(days=30, minutes=10)
    assert certificate.not_valid_before_utc < datetime.now(UTC)


def test_an_existing_key_is_never_overwritten(tmp_path: Path) -> None:
    """Making a key under an id already used in the folder fails and leaves the old key."""
    runner.invoke(app, ["new", "aa", "--out", str(tmp_path), "--id", "aa-1"])
    before = (tmp_path / "aa-1.key.pem").read_bytes()
    result = runner.invoke(app, ["new", "aa", "--out", str(tmp_path), "--id", "aa-1"])
    assert result.exit_code == 1
    assert "never overwritten" in result.output
    assert (tmp_path / "aa-1.key.pem").read_bytes() == before


def test_ids_must_be_coalition_ids(tmp_path: Path) -> None:
    """A partner or key id the coalition file would refuse is refused before any key is made."""
    for arguments in (["new", "AA"], ["new", "aa", "--id", "aa 1"]):
        result = runner.invoke(app, [*arguments, "--out", str(tmp_path)])
        assert result.exit_code == 2
        assert "lowercase letters" in result.output
    assert list(tmp_path.iterdir()) == []

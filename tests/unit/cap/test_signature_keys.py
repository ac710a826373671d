"""Keys from the coalition: whom each sender's messages must be signed by, and the node's own."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from tests.unit.cap.cap_strategies import plain_alert
from tests.unit.coalition.samples import minimal, minimal_zones
from typer.testing import CliRunner

from tanbih.cap import emit_xml
from tanbih.cap.signature import (
    Outcome,
    sign,
    signing_identity,
    trusted_keys,
    verify,
)
from tanbih.cli.keys import app, new_key_pair
from tanbih.coalition import parse_coalition
from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Coalition
from tanbih.errors import ConfigurationError

NOW = datetime.now(UTC)  # keys new dates its certificate from the real clock
HUB_SENDER = "hub@hub.example.org"


def coalition_with(files: dict[str, bytes], **keys: list[str]) -> Coalition:
    """The minimal coalition with signatures required and ``keys`` (partner -> certificate
    files) registered; zone and certificate files are read from ``files``."""
    document = minimal()
    document["signatures"] = {"required": True}
    for partner in document["partners"]:
        partner["keys"] = [
            {"id": name.removesuffix(".cert.pem"), "algorithm": "ecdsa-sha256", "certificate": name}
            for name in keys.get(partner["id"], [])
        ]
    zones = {name: json.dumps(content).encode() for name, content in minimal_zones().items()}
    return parse_coalition(yaml.safe_dump(document), {**zones, **files}.__getitem__)


def hub_alert() -> Alert:
    """An alert sent as the hub node."""
    return replace(plain_alert(), sender=HUB_SENDER)


def _pair(key_id: str) -> tuple[bytes, bytes]:
    """A new key as (private PEM, certificate PEM)."""
    key, certificate = new_key_pair("hub", key_id, now=NOW - timedelta(minutes=1), days=30)
    private = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    return private, certificate.public_bytes(Encoding.PEM)


OLD, NEW, OTHER = _pair("hub-old"), _pair("hub-new"), _pair("aa-1")
FILES = {"hub-old.cert.pem": OLD[1], "hub-new.cert.pem": NEW[1], "aa-1.cert.pem": OTHER[1]}


def test_key_made_by_the_cli_signs_what_the_coalition_verifies(tmp_path: Path) -> None:
    """keys new → register the certificate → the node signs with the key → partners verify."""
    result = CliRunner().invoke(app, ["new", "hub", "--out", str(tmp_path), "--id", "hub-1"])
    assert result.exit_code == 0, result.output
    files = {**FILES, "hub-1.cert.pem": (tmp_path / "hub-1.cert.pem").read_bytes()}
    coalition = coalition_with(files, hub=["hub-1.cert.pem"], aa=["aa-1.cert.pem"])
    identity = signing_identity(coalition, (tmp_path / "hub-1.key.pem").read_bytes())
    assert identity.key_id == "hub-1"
    signed = sign(emit_xml(hub_alert()), identity.private_key, identity.certificate)
    verification = verify(
        signed,
        trusted_keys(coalition),
        required=coalition.signatures_required,
        # The CLI dated the certificate just now, maybe minutes after this module was imported.
        now=datetime.now(UTC),
    )
    assert (verification.outcome, verification.key_id) == (Outcome.VALID, "hub-1")


def test_trusted_keys_name_every_sender_of_a_partner() -> None:
    """Each of a partner's senders is bound to all of that partner's keys, and no other's."""
    coalition = coalition_with(
        FILES, hub=["hub-old.cert.pem", "hub-new.cert.pem"], aa=["aa-1.cert.pem"]
    )
    trusted = trusted_keys(coalition)
    assert [key.id for key in trusted[HUB_SENDER]] == ["hub-old", "hub-new"]
    assert [key.id for key in trusted["cap@aa.example.org"]] == ["aa-1"]
    assert set(trusted) == {HUB_SENDER, "cap@aa.example.org"}


def test_both_keys_of_a_rotation_sign_and_verify() -> None:
    """While a partner registers an old and a new key, messages signed by either verify."""
    coalition = coalition_with(
        FILES, hub=["hub-old.cert.pem", "hub-new.cert.pem"], aa=["aa-1.cert.pem"]
    )
    for private, key_id in ((OLD[0], "hub-old"), (NEW[0], "hub-new")):
        identity = signing_identity(coalition, private)
        signed = sign(emit_xml(hub_alert()), identity.private_key, identity.certificate)
        assert verify(signed, trusted_keys(coalition), required=True, now=NOW).key_id == key_id


def test_a_key_the_node_partner_did_not_register_is_refused() -> None:
    """The node may sign only with a key its own partner registers (not another partner's)."""
    coalition = coalition_with(FILES, hub=["hub-new.cert.pem"], aa=["aa-1.cert.pem"])
    for private in (OLD[0], OTHER[0]):
        with pytest.raises(ConfigurationError, match="matches no certificate partner 'hub'"):
            signing_identity(coalition, private)


def test_a_file_without_an_ec_or_rsa_key_is_refused() -> None:
    """Unreadable PEM, or a key of a kind XML-DSig here cannot use, is a configuration error."""
    coalition = coalition_with(FILES, hub=["hub-new.cert.pem"], aa=["aa-1.cert.pem"])
    with pytest.raises(ConfigurationError, match="not a readable key"):
        signing_identity(
            coalition, b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        )
    edwards = ed25519.Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
    )
    with pytest.raises(ConfigurationError, match="an EC or RSA private key is needed"):
        signing_identity(coalition, edwards)

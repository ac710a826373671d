"""Ed25519 for the agreement: keys as text, signatures over the canonical bytes, the version run."""

from __future__ import annotations

import base64
from dataclasses import replace

import pytest
from tests.unit.coalition.samples import Write, minimal

from tanbih.coalition import load_coalition
from tanbih.coalition.agreement_signing import (
    new_key_pair,
    public_key_bytes,
    public_key_of,
    sign_agreement,
    signature_bytes,
    verify_ed25519,
)
from tanbih.domain.agreement import Agreement
from tanbih.domain.agreement_versions import canonical_bytes, select_agreement

PAIRS = {party: new_key_pair() for party in ("hub", "aa", "bb")}


def keyed_agreement(write: Write, *signers: str, version: str = "1") -> Agreement:
    """The minimal coalition's agreement, declaring every party's key, signed by ``signers``."""
    document = minimal()
    document["coalition"]["version"] = version
    document["agreement"] = {"keys": {party: public for party, (_, public) in PAIRS.items()}}
    unsigned = load_coalition(write(document)).agreement
    assert unsigned is not None
    document["agreement"]["signatures"] = {
        party: sign_agreement(PAIRS[party][0], unsigned) for party in signers
    }
    agreement = load_coalition(write(document)).agreement
    assert agreement is not None
    return agreement


def test_a_key_pair_round_trips_as_text() -> None:
    """The public key written for a private key is the one derived from it, 32 raw bytes."""
    private, public = new_key_pair()
    assert private.startswith("ed25519-private:")
    assert public_key_of(private) == public
    assert len(public_key_bytes(public)) == 32


def test_signatures_in_the_file_verify_over_the_canonical_bytes(write: Write) -> None:
    """Each party's signature, written in the file and read back, verifies with its key."""
    agreement = keyed_agreement(write, "hub", "aa", "bb")
    message = canonical_bytes(agreement)
    for signature in agreement.signatures:
        key = agreement.keys[signature.partner_id]
        assert verify_ed25519(key, message, signature.signature)
    assert not verify_ed25519(
        agreement.keys["hub"], message + b" ", agreement.signatures[0].signature
    )


@pytest.mark.parametrize(
    ("key", "signature"),
    [(b"short", bytes(64)), (bytes(32), b"short"), (bytes(32), bytes(64))],
)
def test_verification_says_no_to_malformed_keys_and_signatures(
    key: bytes, signature: bytes
) -> None:
    """A wrong-sized or forged signature or key is a plain 'no', never an exception."""
    assert verify_ed25519(key, b"message", signature) is False


def test_the_node_runs_the_version_every_party_signed(write: Write) -> None:
    """With Ed25519 verification, the fully signed version is selected and named."""
    complete = keyed_agreement(write, "hub", "aa", "bb")
    newer = keyed_agreement(write, "hub", "aa", version="2")
    selection = select_agreement([complete, newer], verify_ed25519)
    assert selection.in_force == complete
    assert selection.describe() == [
        "version 2: not in force (missing: bb)",
        "version 1: in force, signed by all parties (hub, aa, bb)",
    ]


def test_a_signature_moved_to_another_version_does_not_count(write: Write) -> None:
    """Signatures bind the content: version 2 carrying version 1's signatures is not signed."""
    signed_one = keyed_agreement(write, "hub", "aa", "bb")
    two = replace(signed_one, version="2")
    check = select_agreement([two], verify_ed25519).checks[0]
    assert check.signed_by == ()


@pytest.mark.parametrize("text", ["", "%%%", base64.b64encode(bytes(63)).decode()])
def test_a_malformed_signature_text_is_refused(text: str) -> None:
    """Signature text must be base64 of exactly 64 bytes."""
    with pytest.raises(ValueError, match=r"base64|bytes"):
        signature_bytes(text)


def test_a_private_key_must_be_written_as_one() -> None:
    """Signing with a public key by mistake is refused, not silently wrong."""
    with pytest.raises(ValueError, match="ed25519-private:"):
        sign_agreement(PAIRS["hub"][1], Agreement("1", "t", ("hub",)))

"""Which agreement version is in force: canonical bytes, signatures by every party, ordering."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import pytest
from tests.unit.domain.agreement_samples import AGREEMENT

from tanbih.domain.agreement import Agreement, PartySignature
from tanbih.domain.agreement_versions import (
    SignatureState,
    canonical_bytes,
    check_signatures,
    select_agreement,
    version_key,
)
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet

PARTIES = ("hub", "aa", "bb")
KEYS = {party: f"key-{party}".encode() for party in PARTIES}


def fake_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """A stand-in for Ed25519: a signature is the hash of key and message."""
    return signature == hashlib.sha256(public_key + message).digest()


def signed(agreement: Agreement, *by: str, key_of: dict[str, bytes] = KEYS) -> Agreement:
    """``agreement`` carrying valid signatures of ``by``."""
    message = canonical_bytes(agreement)
    signatures = tuple(PartySignature(p, hashlib.sha256(key_of[p] + message).digest()) for p in by)
    return replace(agreement, signatures=(*agreement.signatures, *signatures))


def version(number: str) -> Agreement:
    """An unsigned version ``number`` of a three-party agreement declaring every key."""
    return replace(AGREEMENT, version=number, parties=PARTIES, keys=KEYS)


def test_canonical_bytes_leave_out_signatures_and_cover_everything_else() -> None:
    """Signing changes nothing signed; any change of content changes the bytes."""
    base = version("1")
    assert canonical_bytes(signed(base, "hub")) == canonical_bytes(base)
    changes = [
        replace(base, title="Other"),
        replace(base, binding=True),
        replace(base, non_responders=frozenset()),
        replace(base, capabilities=base.capabilities[1:]),
        replace(base, keys={**KEYS, "bb": b"other"}),
        replace(base, sharing=SharingMatrix(SharingSheet.of(Level.NONE, []))),
    ]
    assert all(canonical_bytes(changed) != canonical_bytes(base) for changed in changes)


def test_canonical_bytes_do_not_depend_on_the_order_of_sets() -> None:
    """Parties and non-responders are sets to the agreement: their order is not signed."""
    base = version("1")
    reordered = replace(base, parties=tuple(reversed(PARTIES)))
    assert canonical_bytes(reordered) == canonical_bytes(base)
    assert json.loads(canonical_bytes(base))["format"] == "tanbih-agreement/1"


@pytest.mark.parametrize(
    ("signers", "states"),
    [
        (("hub", "aa", "bb"), ["valid", "valid", "valid"]),
        (("hub", "aa"), ["valid", "valid", "missing"]),
        ((), ["missing", "missing", "missing"]),
    ],
)
def test_each_party_s_signature_is_checked(signers: tuple[str, ...], states: list[str]) -> None:
    """A party signed validly, or its signature is missing."""
    check = check_signatures(signed(version("1"), *signers), fake_verify)
    assert [check.states[p].value for p in PARTIES] == states
    assert check.complete is (len(signers) == len(PARTIES))


def test_a_signature_by_another_key_or_of_other_content_is_invalid() -> None:
    """bb signed with the wrong key; the result names bb's signature invalid."""
    forged = signed(version("1"), "hub", "aa", "bb", key_of={**KEYS, "bb": b"stolen"})
    assert check_signatures(forged, fake_verify).states["bb"] is SignatureState.INVALID
    tampered = replace(signed(version("1"), *PARTIES), title="Changed after signing")
    assert set(check_signatures(tampered, fake_verify).states.values()) == {SignatureState.INVALID}


def test_pinned_keys_override_the_keys_a_version_declares() -> None:
    """With trusted keys, a version that re-keys a party cannot vouch for itself."""
    rekeyed = replace(version("2"), keys={**KEYS, "aa": b"attacker"})
    forged = signed(rekeyed, *PARTIES, key_of={**KEYS, "aa": b"attacker"})
    assert check_signatures(forged, fake_verify).complete
    pinned = check_signatures(forged, fake_verify, trusted_keys=KEYS)
    assert pinned.states["aa"] is SignatureState.INVALID
    unknown = check_signatures(forged, fake_verify, trusted_keys={"hub": KEYS["hub"]})
    assert unknown.states["bb"] is SignatureState.NO_KEY


def test_the_latest_version_signed_by_all_its_parties_is_in_force() -> None:
    """2026.10 lacks bb's signature, so 2026.9 runs; 2026.2 is signed but superseded."""
    candidates = [
        signed(version("2026.2"), *PARTIES),
        signed(version("2026.10"), "hub", "aa"),
        signed(version("2026.9"), *PARTIES),
    ]
    selection = select_agreement(candidates, fake_verify)
    assert selection.in_force is not None
    assert selection.in_force.version == "2026.9"
    assert selection.describe() == [
        "version 2026.10: not in force (missing: bb)",
        "version 2026.9: in force, signed by all parties (hub, aa, bb)",
        "version 2026.2: signed by all parties, superseded",
    ]


def test_signatures_delivered_in_separate_copies_are_pooled() -> None:
    """Each party may sign its own copy of a version: together they put it in force."""
    copies = [signed(version("3"), party) for party in PARTIES]
    selection = select_agreement(copies, fake_verify)
    assert selection.in_force is not None
    assert selection.checks[0].signed_by == PARTIES


def test_copies_of_one_version_with_different_content_conflict() -> None:
    """Two different texts under one version number: neither is in force."""
    one = signed(version("4"), *PARTIES)
    other = signed(replace(version("4"), title="Another text"), *PARTIES)
    selection = select_agreement([one, other, signed(version("3"), *PARTIES)], fake_verify)
    assert selection.in_force is not None
    assert selection.in_force.version == "3"
    assert selection.describe()[0] == "version 4: not in force, copies with different content"


def test_no_version_signed_by_all_is_said_plainly() -> None:
    """Without a fully signed version nothing is in force, and the description says so."""
    selection = select_agreement([signed(version("1"), "hub")], fake_verify)
    assert selection.in_force is None
    assert selection.describe() == [
        "version 1: not in force (missing: aa, bb)",
        "no version is signed by all its parties",
    ]


@pytest.mark.parametrize(
    ("older", "newer"),
    [("2026.1", "2026.2"), ("2026.9", "2026.10"), ("1", "1.1"), ("2026.1-rc1", "2026.1-rc2")],
)
def test_versions_compare_number_by_number(older: str, newer: str) -> None:
    """Digit runs compare as numbers, so 2026.10 is newer than 2026.9."""
    assert version_key(older) < version_key(newer)

"""Which agreement version is in force: canonical bytes, detached signatures, selection.

Each party signs a version it accepts with its Ed25519 key: a detached signature over the
version's *canonical bytes* (:func:`canonical_bytes`), which cover everything the agreement
says (geometry included) except the signatures themselves, independent of YAML layout and
comments. The node runs **the latest version signed by every one of its parties**, and says
which (:meth:`AgreementSelection.describe`).

Versions are ordered by :func:`version_key`: numbers compare as numbers (``2026.10`` follows
``2026.9``). Copies of one version with the same content pool their signatures, so partners
can deliver them separately; copies of one version with different content are a conflict, and
neither is in force. The Ed25519 arithmetic is injected (:class:`SignatureVerifier`), keeping
this module free of libraries.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from tanbih.domain.agreement import Agreement, PartySignature
from tanbih.domain.releasability import SharingSheet

CANONICAL_FORMAT = "tanbih-agreement/1"
_VERSION_PARTS = re.compile(r"\d+|[^\d.\-_]+")


class SignatureVerifier(Protocol):
    """Checks an Ed25519 signature; never raises for a bad key or signature."""

    def __call__(self, public_key: bytes, message: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is ``public_key``'s signature of ``message``."""
        ...


class SignatureState(StrEnum):
    """Where a party's signature of a version stands."""

    VALID = "valid"
    MISSING = "missing"
    NO_KEY = "no_key"
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class VersionCheck:
    """One version's signatures, party by party; ``conflicting`` if copies disagree."""

    agreement: Agreement
    states: Mapping[str, SignatureState]
    conflicting: bool = False

    @property
    def signed_by(self) -> tuple[str, ...]:
        """The parties whose signature is valid, in party order."""
        return tuple(p for p, state in self.states.items() if state is SignatureState.VALID)

    @property
    def complete(self) -> bool:
        """Whether every party signed validly and no other copy contradicts it."""
        return not self.conflicting and len(self.signed_by) == len(self.states)


@dataclass(frozen=True, slots=True)
class AgreementSelection:
    """The version in force (``None`` if no version is signed by all) and every check, newest
    first."""

    in_force: Agreement | None
    checks: tuple[VersionCheck, ...]

    def describe(self) -> list[str]:
        """One line per version, newest first: in force, superseded, or what it lacks."""
        lines = []
        for check in self.checks:
            version = check.agreement.version
            if check.agreement is self.in_force:
                parties = ", ".join(check.signed_by)
                lines.append(f"version {version}: in force, signed by all parties ({parties})")
            elif check.conflicting:
                lines.append(f"version {version}: not in force, copies with different content")
            elif check.complete:
                lines.append(f"version {version}: signed by all parties, superseded")
            else:
                lacking = "; ".join(
                    f"{state.value.replace('_', ' ')}: {', '.join(parties)}"
                    for state, parties in _unsigned(check).items()
                )
                lines.append(f"version {version}: not in force ({lacking})")
        if self.in_force is None:
            lines.append("no version is signed by all its parties")
        return lines


def canonical_bytes(agreement: Agreement) -> bytes:
    """The bytes parties sign: the agreement without its signatures, as compact sorted JSON."""
    document = {
        "format": CANONICAL_FORMAT,
        "version": agreement.version,
        "title": agreement.title,
        "binding": agreement.binding,
        "parties": sorted(agreement.parties),
        "keys": {p: base64.b64encode(k).decode() for p, k in agreement.keys.items()},
        "areas": [
            {"partner": a.partner_id, "name": a.name, "polygons": a.polygons}
            for a in agreement.areas
        ],
        "capabilities": [
            {
                "partner": c.partner_id,
                "name": c.name,
                "threat_classes": sorted(c.threat_classes),
                "range_km": c.range_km,
                "available": c.available,
            }
            for c in agreement.capabilities
        ],
        "non_responders": sorted(agreement.non_responders),
        "rules": [
            {
                "name": r.name,
                "threat_classes": sorted(r.threat_classes),
                "statuses": sorted(r.statuses),
                "request_timeout_s": r.request_timeout.total_seconds(),
                "require_capability": r.require_capability,
                "require_area": r.require_area,
            }
            for r in agreement.rules
        ],
        "sharing": {
            "base": _sheet(agreement.sharing.base),
            "overrides": {s: _sheet(sheet) for s, sheet in agreement.sharing.overrides.items()},
        },
    }
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )
    return text.encode()


def _sheet(sheet: SharingSheet) -> dict[str, object]:
    return {
        "default": sheet.default,
        "cells": sorted([*pair, level] for pair, level in sheet.cells.items()),
    }


def version_key(version: str) -> tuple[tuple[int, int | str], ...]:
    """A sort key for version text: digit runs as numbers, other runs as text."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in _VERSION_PARTS.findall(version)
    )


def check_signatures(
    agreement: Agreement,
    verify: SignatureVerifier,
    trusted_keys: Mapping[str, bytes] | None = None,
) -> VersionCheck:
    """Each party's signature of ``agreement``, checked against ``trusted_keys`` if given
    (keys the node pins), else against the keys the agreement itself declares."""
    keys = agreement.keys if trusted_keys is None else trusted_keys
    message = canonical_bytes(agreement)
    states: dict[str, SignatureState] = {}
    for party in agreement.parties:
        signatures = agreement.signatures_of(party)
        key = keys.get(party)
        if not signatures:
            states[party] = SignatureState.MISSING
        elif key is None:
            states[party] = SignatureState.NO_KEY
        elif any(verify(key, message, signature) for signature in signatures):
            states[party] = SignatureState.VALID
        else:
            states[party] = SignatureState.INVALID
    return VersionCheck(agreement, states)


def select_agreement(
    candidates: Iterable[Agreement],
    verify: SignatureVerifier,
    trusted_keys: Mapping[str, bytes] | None = None,
) -> AgreementSelection:
    """The latest version signed by all its parties, among ``candidates`` (module docstring)."""
    by_version: dict[str, list[Agreement]] = {}
    for agreement in candidates:
        by_version.setdefault(agreement.version, []).append(agreement)
    checks = []
    for version in sorted(by_version, key=version_key, reverse=True):
        copies = by_version[version]
        contents = {canonical_bytes(copy) for copy in copies}
        pooled = _pooled(copies)
        check = check_signatures(pooled, verify, trusted_keys)
        checks.append(replace(check, conflicting=len(contents) > 1))
    in_force = next((check.agreement for check in checks if check.complete), None)
    return AgreementSelection(in_force, tuple(checks))


def _pooled(copies: list[Agreement]) -> Agreement:
    """The first copy, carrying every distinct signature any copy has, first given first."""
    seen: list[PartySignature] = []
    for copy in copies:
        seen += [s for s in copy.signatures if s not in seen]
    return replace(copies[0], signatures=tuple(seen))


def _unsigned(check: VersionCheck) -> dict[SignatureState, list[str]]:
    lacking: dict[SignatureState, list[str]] = {}
    for party, state in check.states.items():
        if state is not SignatureState.VALID:
            lacking.setdefault(state, []).append(party)
    return lacking

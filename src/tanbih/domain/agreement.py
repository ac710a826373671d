"""The coalition agreement: what the partners signed about sharing warnings and responding.

A versioned, signed value, loaded from the coalition file's ``agreement``, ``sharing`` and
``response`` sections: the parties and their signing keys, each party's areas of responsibility
(polygons, which may overlap), response capabilities (named classes of means covering some
threat classes up to a range), the response rules, the partners that never respond, and the
sharing matrix (:mod:`tanbih.domain.releasability`). The decisions that read it live in
:mod:`~tanbih.domain.releasability`, :mod:`~tanbih.domain.redaction`,
:mod:`~tanbih.domain.response` and :mod:`~tanbih.domain.agreement_versions`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from tanbih.domain.cap import Status
from tanbih.domain.releasability import EVERYTHING_SHARED, SharingMatrix
from tanbih.domain.threat import ThreatClass

Ring = tuple[tuple[float, float], ...]
"""A closed ``(lat, lon)`` ring."""

DEFAULT_REQUEST_TIMEOUT = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class AreaOfResponsibility:
    """Where a partner answers for the air: polygons of ``(lat, lon)`` rings, outer ring first.

    A partner may have several areas, and areas of different partners may overlap.
    """

    partner_id: str
    name: str
    polygons: tuple[tuple[Ring, ...], ...]


@dataclass(frozen=True, slots=True)
class Capability:
    """A named class of a partner's means (interceptors, fighters...) and what it can meet.

    ``available`` is what the agreement declares; partners switch it at run time
    (:class:`~tanbih.domain.response.Availability`).
    """

    partner_id: str
    name: str
    threat_classes: frozenset[ThreatClass]
    range_km: float
    available: bool = True

    def covers(self, threat_class: ThreatClass, distance_km: float) -> bool:
        """Whether it can meet a threat of ``threat_class`` at ``distance_km`` from its area."""
        return threat_class in self.threat_classes and distance_km <= self.range_km


@dataclass(frozen=True, slots=True)
class ResponseRule:
    """How responders are sought for threats of some classes and statuses (empty: all).

    ``request_timeout`` is how long an asked partner has to answer before the next is asked.
    ``require_capability`` leaves out partners that cannot meet the threat (else they rank
    last); ``require_area`` leaves out partners whose area the threat does not enter.
    """

    name: str
    request_timeout: timedelta = DEFAULT_REQUEST_TIMEOUT
    threat_classes: frozenset[ThreatClass] = frozenset()
    statuses: frozenset[Status] = frozenset()
    require_capability: bool = True
    require_area: bool = False

    def applies_to(self, threat_class: ThreatClass, status: Status) -> bool:
        """Whether the rule governs a threat of ``threat_class`` in traffic of ``status``."""
        return (not self.threat_classes or threat_class in self.threat_classes) and (
            not self.statuses or status in self.statuses
        )


DEFAULT_RULE = ResponseRule("default")
"""The rule for threats no declared rule governs."""


@dataclass(frozen=True, slots=True)
class PartySignature:
    """A party's detached Ed25519 signature over the agreement's canonical bytes."""

    partner_id: str
    signature: bytes


@dataclass(frozen=True, slots=True)
class Agreement:
    """One version of the agreement, with the signatures it carries.

    ``keys`` are the Ed25519 public keys (32 raw bytes) the parties declare for signing it;
    they are part of what is signed, so every party endorses every other party's key.
    ``signatures`` are not: they sign the rest (:func:`~tanbih.domain.agreement_versions.
    canonical_bytes`).
    """

    version: str
    title: str
    parties: tuple[str, ...]
    binding: bool = False
    keys: Mapping[str, bytes] = field(default_factory=lambda: MappingProxyType({}))
    areas: tuple[AreaOfResponsibility, ...] = ()
    capabilities: tuple[Capability, ...] = ()
    non_responders: frozenset[str] = frozenset()
    rules: tuple[ResponseRule, ...] = ()
    sharing: SharingMatrix = EVERYTHING_SHARED
    signatures: tuple[PartySignature, ...] = ()

    def is_responder(self, partner_id: str) -> bool:
        """Whether the partner is a party that may ever be asked to respond."""
        return partner_id in self.parties and partner_id not in self.non_responders

    def capabilities_of(self, partner_id: str) -> tuple[Capability, ...]:
        """The partner's declared capabilities, in file order."""
        return tuple(c for c in self.capabilities if c.partner_id == partner_id)

    def areas_of(self, partner_id: str) -> tuple[AreaOfResponsibility, ...]:
        """The partner's areas of responsibility."""
        return tuple(a for a in self.areas if a.partner_id == partner_id)

    def rule_for(self, threat_class: ThreatClass, status: Status) -> ResponseRule:
        """The first rule that governs the threat, else :data:`DEFAULT_RULE`."""
        return next(
            (rule for rule in self.rules if rule.applies_to(threat_class, status)), DEFAULT_RULE
        )

    def signatures_of(self, partner_id: str) -> tuple[bytes, ...]:
        """The signatures the copies of this version carry for the partner (usually one)."""
        return tuple(s.signature for s in self.signatures if s.partner_id == partner_id)

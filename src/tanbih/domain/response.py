"""Who is asked to respond to a threat: candidate responders ranked by the agreed rules.

Ranking, for the rule that governs the threat (:meth:`Agreement.rule_for`), first key first:

1. a partner whose **area of responsibility** contains the predicted path or impact area;
2. a partner with a **capability** covering the threat's class at its distance;
3. a partner with such a capability **available** now;
4. the partner **nearest** (its nearest area to the path or impact area);
5. the partner id, so equal candidates always come in the same order.

Never ranked, with the reason: parties that declared they never respond (the demo's UAE),
partners the sharing matrix may not tell of the threat, and, where the rule requires it,
partners without a capability for the threat or whose area it does not enter.

Geometry is not done here: the caller passes each partner's :class:`Reach`
(:mod:`tanbih.geo.responsibility` computes it). Availability is run-time state partners switch
through the API or console; :func:`switch_availability` is that decision.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from tanbih.domain.agreement import Agreement, Capability, ResponseRule
from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, release
from tanbih.domain.threat import ThreatClass


@dataclass(frozen=True, slots=True)
class Reach:
    """How a threat stands to a partner's areas of responsibility.

    ``on_path``: one of its areas contains part of the predicted path or impact area.
    ``distance_km``: from its nearest area to the path or impact area (0 when on it).
    """

    on_path: bool
    distance_km: float


OUT_OF_REACH = Reach(on_path=False, distance_km=math.inf)
"""The reach of a partner that declared no area of responsibility."""


@dataclass(frozen=True, slots=True)
class ThreatToMeet:
    """What ranking needs to know of a threat: its class, its traffic, who reported it."""

    threat_class: ThreatClass
    status: Status
    sources: frozenset[str]


@dataclass(frozen=True, slots=True)
class Availability:
    """Capabilities switched on or off at run time, by (partner id, capability name).

    A capability nobody switched keeps the availability the agreement declares.
    """

    switched: Mapping[tuple[str, str], bool] = field(default_factory=lambda: MappingProxyType({}))

    def of(self, capability: Capability) -> bool:
        """Whether ``capability`` is available now."""
        return self.switched.get((capability.partner_id, capability.name), capability.available)


class SwitchRefusal(StrEnum):
    """Why a partner's availability switch was refused."""

    UNKNOWN_CAPABILITY = "unknown_capability"


def switch_availability(
    agreement: Agreement,
    availability: Availability,
    partner_id: str,
    capability: str,
    available: bool,
) -> Availability | SwitchRefusal:
    """``availability`` after the partner switches one of its declared capabilities."""
    if not any(c.name == capability for c in agreement.capabilities_of(partner_id)):
        return SwitchRefusal.UNKNOWN_CAPABILITY
    switched = {**availability.switched, (partner_id, capability): available}
    return Availability(MappingProxyType(switched))


class Exclusion(StrEnum):
    """Why a party is not a candidate responder."""

    NON_RESPONDER = "non_responder"
    NOT_RELEASABLE = "not_releasable"
    NO_CAPABILITY = "no_capability"
    OUT_OF_RANGE = "out_of_range"
    OUTSIDE_AREA = "outside_area"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A partner that may be asked, and what ranks it.

    ``capabilities`` cover the threat at its distance; ``available`` are those of them
    available now.
    """

    partner_id: str
    on_path: bool
    capabilities: tuple[str, ...]
    available: tuple[str, ...]
    distance_km: float

    @property
    def sort_key(self) -> tuple[bool, bool, bool, float, str]:
        """The ranking key: area on the path, capable, available, nearest, then id."""
        return (
            not self.on_path,
            not self.capabilities,
            not self.available,
            self.distance_km,
            self.partner_id,
        )


@dataclass(frozen=True, slots=True)
class Excluded:
    """A party that is not a candidate, and the first rule that left it out."""

    partner_id: str
    reason: Exclusion


@dataclass(frozen=True, slots=True)
class Ranking:
    """The candidates in the order they are asked, the parties left out, the rule applied."""

    rule: ResponseRule
    candidates: tuple[Candidate, ...]
    excluded: tuple[Excluded, ...]

    @property
    def order(self) -> tuple[str, ...]:
        """The candidates' partner ids, first to ask first."""
        return tuple(c.partner_id for c in self.candidates)


def rank_responders(
    agreement: Agreement,
    threat: ThreatToMeet,
    reach: Mapping[str, Reach],
    availability: Availability,
) -> Ranking:
    """The agreement's parties ranked to respond to ``threat`` (module docstring).

    ``reach`` holds each partner's :class:`Reach`; a partner missing from it is
    :data:`OUT_OF_REACH`.
    """
    rule = agreement.rule_for(threat.threat_class, threat.status)
    candidates: list[Candidate] = []
    excluded: list[Excluded] = []
    for partner_id in agreement.parties:
        where = reach.get(partner_id, OUT_OF_REACH)
        candidate = _candidate(agreement, partner_id, threat.threat_class, where, availability)
        reason = _exclusion(agreement, rule, threat, candidate)
        if reason is None:
            candidates.append(candidate)
        else:
            excluded.append(Excluded(partner_id, reason))
    candidates.sort(key=lambda c: c.sort_key)
    return Ranking(rule, tuple(candidates), tuple(excluded))


def _candidate(
    agreement: Agreement,
    partner_id: str,
    threat_class: ThreatClass,
    where: Reach,
    availability: Availability,
) -> Candidate:
    distance = 0.0 if where.on_path else where.distance_km
    covering = [
        c for c in agreement.capabilities_of(partner_id) if c.covers(threat_class, distance)
    ]
    return Candidate(
        partner_id=partner_id,
        on_path=where.on_path,
        capabilities=tuple(c.name for c in covering),
        available=tuple(c.name for c in covering if availability.of(c)),
        distance_km=distance,
    )


def _exclusion(
    agreement: Agreement, rule: ResponseRule, threat: ThreatToMeet, candidate: Candidate
) -> Exclusion | None:
    """The first rule that keeps ``candidate`` from being asked, if any."""
    partner_id = candidate.partner_id
    if partner_id in agreement.non_responders:
        return Exclusion.NON_RESPONDER
    if release(agreement.sharing, threat.sources, partner_id, threat.status) is Level.NONE:
        return Exclusion.NOT_RELEASABLE
    if rule.require_capability and not candidate.capabilities:
        classes = (c.threat_classes for c in agreement.capabilities_of(partner_id))
        meets_class = any(threat.threat_class in covered for covered in classes)
        return Exclusion.OUT_OF_RANGE if meets_class else Exclusion.NO_CAPABILITY
    if rule.require_area and not candidate.on_path:
        return Exclusion.OUTSIDE_AREA
    return None

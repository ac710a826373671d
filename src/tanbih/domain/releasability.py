"""Releasability: how much of a warning a recipient partner may see, given who reported it.

The coalition agreement's *sharing matrix* gives, for each ordered pair (source partner,
recipient partner), one :class:`Level`:

- ``full`` — the message as issued;
- ``zones_only`` — affected zones, stage and ETAs; no track, sensor or source details;
- ``via_coordinator`` — what ``zones_only`` keeps, in a message the coordinator issues, with
  every trace of the source removed (the partners have no direct relations);
- ``none`` — nothing at all.

A matrix has a base *sheet* and may override it per traffic category (the CAP ``status``:
exercise traffic is often shared more widely). Lookup for a pair, first that applies:

1. the override sheet's rule for the pair,
2. the base sheet's rule for the pair,
3. the override sheet's default,
4. the base sheet's default.

A threat fused from several partners' reports is released at the *most restrictive* level of
its sources: one source's caveat is never lifted by another's generosity. A recipient's own
reports are always ``full`` to it. What each level removes is in
:mod:`tanbih.domain.redaction`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from tanbih.domain.cap import Status


class Level(StrEnum):
    """How much a recipient may see of a source's warnings, least restrictive first."""

    FULL = "full"
    ZONES_ONLY = "zones_only"
    VIA_COORDINATOR = "via_coordinator"
    NONE = "none"

    @property
    def rank(self) -> int:
        """0 for ``full`` up to 3 for ``none``: a higher rank is more restrictive."""
        return _RANKS[self]

    def at_least(self, other: Level) -> bool:
        """Whether this level lets the recipient see at least what ``other`` does."""
        return self.rank <= other.rank


_RANKS = MappingProxyType({level: rank for rank, level in enumerate(Level)})

Pair = tuple[str, str]
"""An ordered (source partner id, recipient partner id) pair."""


def most_restrictive(levels: Iterable[Level]) -> Level:
    """The most restrictive of ``levels`` (``full`` when there are none)."""
    return max(levels, key=lambda level: level.rank, default=Level.FULL)


@dataclass(frozen=True, slots=True)
class SharingSheet:
    """Rules for ordered pairs, and the level of pairs no rule names (``None``: not set here).

    Build one with :meth:`of` when several rules may name the same pair.
    """

    default: Level | None = None
    cells: Mapping[Pair, Level] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def of(cls, default: Level | None, rules: Iterable[tuple[Pair, Level]]) -> SharingSheet:
        """A sheet from rules in any order; two rules for one pair keep the stricter."""
        cells: dict[Pair, Level] = {}
        for pair, level in rules:
            cells[pair] = most_restrictive((cells.get(pair, Level.FULL), level))
        return cls(default, MappingProxyType(cells))


@dataclass(frozen=True, slots=True)
class SharingMatrix:
    """The base sheet and its overrides per CAP status. Without rules, everything is ``full``."""

    base: SharingSheet = SharingSheet(Level.FULL)
    overrides: Mapping[Status, SharingSheet] = field(default_factory=lambda: MappingProxyType({}))

    def cell(self, source: str, recipient: str, status: Status) -> Level:
        """The level of one ordered pair for traffic of ``status`` (see the module's lookup)."""
        if source == recipient:
            return Level.FULL
        pair = (source, recipient)
        override = self.overrides.get(status)
        if override is not None and pair in override.cells:
            return override.cells[pair]
        if pair in self.base.cells:
            return self.base.cells[pair]
        if override is not None and override.default is not None:
            return override.default
        return self.base.default or Level.FULL

    def pairs(self) -> frozenset[Pair]:
        """Every ordered pair some sheet names."""
        named = set(self.base.cells)
        for sheet in self.overrides.values():
            named |= set(sheet.cells)
        return frozenset(named)


EVERYTHING_SHARED = SharingMatrix()
"""The matrix of an agreement that restricts nothing: every pair ``full``."""


def release(
    matrix: SharingMatrix, sources: Collection[str], recipient: str, status: Status
) -> Level:
    """The level at which ``recipient`` may see a warning fused from ``sources``' reports.

    The most restrictive cell over all sources wins. ``sources`` must not be empty: a warning
    this node raised on its own names the node's partner as its source.
    """
    if not sources:
        raise ValueError("a warning has at least one source partner")
    return most_restrictive(matrix.cell(source, recipient, status) for source in sources)


def releasable_to(
    matrix: SharingMatrix, sources: Collection[str], recipients: Iterable[str], status: Status
) -> dict[str, Level]:
    """The level of each recipient that may see anything at all (``none`` are left out)."""
    levels = {r: release(matrix, sources, r, status) for r in recipients}
    return {r: level for r, level in levels.items() if level is not Level.NONE}

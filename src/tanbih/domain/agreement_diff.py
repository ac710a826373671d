"""What changes between two versions of the agreement, said the way the partners read it.

:func:`diff_agreements` lists every change of content: the version's terms, parties and their
keys, who never responds, capabilities, areas of responsibility, response rules (and their
order), and every sharing rule as written, per traffic status. Each :class:`Change` is one
line a legal or operations officer can check against what they agreed to sign.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeVar

from tanbih.domain.agreement import Agreement, AreaOfResponsibility, Capability, ResponseRule
from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, SharingSheet

T = TypeVar("T")


class Kind(StrEnum):
    """Whether something was added, removed or changed."""

    ADDED = "+"
    REMOVED = "-"
    CHANGED = "~"


@dataclass(frozen=True, slots=True)
class Change:
    """One change: in which section, to what, and how."""

    section: str
    kind: Kind
    subject: str
    detail: str = ""

    def __str__(self) -> str:
        detail = f": {self.detail}" if self.detail else ""
        return f"{self.section}: {self.kind} {self.subject}{detail}"


def diff_agreements(old: Agreement, new: Agreement) -> list[Change]:
    """Every change of content from ``old`` to ``new``, section by section (signatures aside)."""
    return [
        *_terms(old, new),
        *_sets("parties", old.parties, new.parties),
        *_keyed("keys", old.keys, new.keys, lambda _: "key"),
        *_sets("non-responders", old.non_responders, new.non_responders),
        *_keyed("capabilities", _capabilities(old), _capabilities(new), _capability),
        *_keyed("areas of responsibility", _areas(old), _areas(new), _area),
        *_keyed("rules", _rules(old), _rules(new), _rule),
        *_rule_order(old, new),
        *_sharing(old, new),
    ]


def _terms(old: Agreement, new: Agreement) -> Iterator[Change]:
    for name in ("version", "title", "binding"):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            yield Change("agreement", Kind.CHANGED, name, f"{before} → {after}")


def _sets(section: str, old: Iterable[str], new: Iterable[str]) -> Iterator[Change]:
    before, after = set(old), set(new)
    yield from (Change(section, Kind.ADDED, p) for p in sorted(after - before))
    yield from (Change(section, Kind.REMOVED, p) for p in sorted(before - after))


def _keyed(
    section: str,
    old: Mapping[str, T],
    new: Mapping[str, T],
    describe: Callable[[T], str],
) -> Iterator[Change]:
    """Entries added, removed, or changed (described before → after), by key."""
    for key in sorted(new.keys() - old.keys()):
        yield Change(section, Kind.ADDED, key, describe(new[key]))
    for key in sorted(old.keys() - new.keys()):
        yield Change(section, Kind.REMOVED, key, describe(old[key]))
    for key in sorted(old.keys() & new.keys()):
        if old[key] != new[key]:
            before, after = describe(old[key]), describe(new[key])
            detail = f"{before} → {after}" if before != after else "changed"
            yield Change(section, Kind.CHANGED, key, detail)


def _capabilities(agreement: Agreement) -> dict[str, Capability]:
    return {f"{c.partner_id}/{c.name}": c for c in agreement.capabilities}


def _capability(c: Capability) -> str:
    available = "available" if c.available else "not available"
    return f"{', '.join(sorted(c.threat_classes))}; {c.range_km:g} km; {available}"


def _areas(agreement: Agreement) -> dict[str, AreaOfResponsibility]:
    return {f"{a.partner_id}/{a.name}": a for a in agreement.areas}


def _area(area: AreaOfResponsibility) -> str:
    points = sum(len(ring) for polygon in area.polygons for ring in polygon)
    return f"{len(area.polygons)} polygon(s), {points} points"


def _rules(agreement: Agreement) -> dict[str, ResponseRule]:
    return {r.name: r for r in agreement.rules}


def _rule(rule: ResponseRule) -> str:
    threats = ", ".join(sorted(rule.threat_classes)) or "every threat"
    statuses = ", ".join(sorted(rule.statuses)) or "every status"
    terms = [f"{threats} in {statuses}", f"{rule.request_timeout.total_seconds():g} s to answer"]
    if rule.require_capability:
        terms.append("capability required")
    if rule.require_area:
        terms.append("area on the path required")
    return "; ".join(terms)


def _rule_order(old: Agreement, new: Agreement) -> Iterator[Change]:
    """The first matching rule applies, so reordering kept rules changes the agreement."""
    kept = set(_rules(old)) & set(_rules(new))
    before = [r.name for r in old.rules if r.name in kept]
    after = [r.name for r in new.rules if r.name in kept]
    if before != after:
        yield Change("rules", Kind.CHANGED, "order", f"{', '.join(before)} → {', '.join(after)}")


def _sharing(old: Agreement, new: Agreement) -> Iterator[Change]:
    sheets = [("sharing", old.sharing.base, new.sharing.base)]
    for status in Status:
        before, after = old.sharing.overrides.get(status), new.sharing.overrides.get(status)
        if before is not None or after is not None:
            sheets.append((f"sharing ({status})", before or _EMPTY, after or _EMPTY))
    for section, before, after in sheets:
        if before.default != after.default:
            detail = f"{_level(before.default)} → {_level(after.default)}"
            yield Change(section, Kind.CHANGED, "default", detail)
        cells_before = {_pair(p): _level(level) for p, level in before.cells.items()}
        cells_after = {_pair(p): _level(level) for p, level in after.cells.items()}
        yield from _keyed(section, cells_before, cells_after, str)


_EMPTY = SharingSheet()


def _pair(pair: tuple[str, str]) -> str:
    return f"{pair[0]} → {pair[1]}"


def _level(level: Level | None) -> str:
    return "(none set)" if level is None else level.value

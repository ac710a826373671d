"""Rules between entries of the agreement's sections, and between them and the partners.

Run once :mod:`tanbih.coalition.agreement_schema` accepted the sections' shape. Each rule
names every offender at its own path, as :mod:`tanbih.coalition.checks` does for the rest of
the file.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

from tanbih.coalition.agreement_schema import AgreementSections, PairEntry
from tanbih.coalition.schema import CoalitionFile
from tanbih.coalition.source import DocPath, format_path

Finding = tuple[DocPath, str]


def agreement_findings(sections: AgreementSections, file: CoalitionFile) -> list[Finding]:
    """Every problem between the agreement's entries and the coalition's partners."""
    partners = [p.id for p in file.partners]
    parties = sections.agreement.parties or partners
    coordinator = next((p.id for p in file.partners if p.role == "coordinator"), None)
    return [
        *_agreement(sections, file, partners),
        *_sharing(sections, partners, coordinator),
        *_response(sections, parties),
    ]


def _agreement(
    sections: AgreementSections, file: CoalitionFile, partners: Collection[str]
) -> Iterator[Finding]:
    entry = sections.agreement
    if entry.version is not None and entry.version != file.coalition.version:
        yield (
            ("agreement", "version"),
            f"the agreement is version {entry.version!r} but the coalition file says "
            f"{file.coalition.version!r}; partners sign one version: make them equal",
        )
    parties = entry.parties or list(partners)
    if entry.parties is not None:
        paths = [(("agreement", "parties", i), p) for i, p in enumerate(entry.parties)]
        yield from _unknown(paths, partners, "partner")
        yield from _repeated(paths, "party")
    for key in ("keys", "signatures"):
        named = [(("agreement", key, p), p) for p in getattr(entry, key)]
        yield from _unknown(named, parties, "party")
    for party in entry.signatures:
        if party not in entry.keys:
            yield (
                ("agreement", "signatures", party),
                f"{party!r} signed but declares no key under agreement.keys to verify it with",
            )


def _sharing(
    sections: AgreementSections, partners: Collection[str], coordinator: str | None
) -> Iterator[Finding]:
    sheets: list[tuple[DocPath, list[PairEntry]]] = [(("sharing",), sections.sharing.pairs)]
    sheets += [
        (("sharing", "overrides", status), sheet.pairs)
        for status, sheet in sections.sharing.overrides.items()
    ]
    for path, pairs in sheets:
        for i, pair in enumerate(pairs):
            yield from _pair((*path, "pairs", i), pair, partners, coordinator)


def _pair(
    path: DocPath, pair: PairEntry, partners: Collection[str], coordinator: str | None
) -> Iterator[Finding]:
    if pair.between is not None:
        named = [((*path, "between", k), p) for k, p in enumerate(pair.between)]
        if pair.between[0] == pair.between[1]:
            yield (*path, "between"), "a rule is between two different partners"
    else:
        named = [((*path, "from"), pair.from_ or "")]
        named += [((*path, "to", k), p) for k, p in enumerate(pair.to or [])]
        if pair.from_ in (pair.to or []):
            yield (*path, "to"), "a partner's own warnings are always full to it"
    yield from _unknown(named, partners, "partner")
    if pair.rule == "via_coordinator" and any(p == coordinator for _, p in named):
        yield (
            (*path, "rule"),
            f"{coordinator!r} is the coordinator: it relays via_coordinator traffic, so it "
            "cannot be a party to such a rule",
        )


def _response(sections: AgreementSections, parties: Collection[str]) -> Iterator[Finding]:
    response = sections.response
    yield from _unknown(
        ((("response", "non_responders", i), p) for i, p in enumerate(response.non_responders)),
        parties,
        "party",
    )
    yield from _unknown(
        (
            (("response", "areas_of_responsibility", i, "partner"), area.partner)
            for i, area in enumerate(response.areas_of_responsibility)
        ),
        parties,
        "party",
    )
    for partner_id, capabilities in response.capabilities.items():
        yield from _unknown(
            [(("response", "capabilities", partner_id), partner_id)], parties, "party"
        )
        yield from _repeated(
            (
                (("response", "capabilities", partner_id, i, "name"), c.name)
                for i, c in enumerate(capabilities)
            ),
            "capability name",
        )
    rules = list(enumerate(response.rules))
    yield from _repeated(
        ((("response", "rules", i, "name"), r.name) for i, r in rules), "rule name"
    )
    catch_all = next((i for i, r in rules if r.threats is None and r.status is None), None)
    if catch_all is not None:
        for i, _ in rules[catch_all + 1 :]:
            yield (
                ("response", "rules", i),
                f"never applies: rule {catch_all} ({rules[catch_all][1].name!r}) governs "
                "every threat; put it last",
            )


def _unknown(
    named: Iterable[tuple[DocPath, str]], known: Collection[str], what: str
) -> Iterator[Finding]:
    for path, value in named:
        if value not in known:
            yield path, f"no {what} has id {value!r}"


def _repeated(named: Iterable[tuple[DocPath, str]], what: str) -> Iterator[Finding]:
    first: dict[str, DocPath] = {}
    for path, value in named:
        if value in first:
            yield path, f"{what} {value!r} already given at {format_path(first[value])}"
        else:
            first[value] = path

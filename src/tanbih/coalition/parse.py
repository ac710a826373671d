"""From coalition-file text to a :class:`~tanbih.domain.coalition.Coalition`, or every problem.

No I/O here: zone files are fetched through the ``read_zone_file`` callable the caller passes
(:func:`tanbih.coalition.loader.load_coalition` reads them beside the coalition file; tests pass
a dict lookup). Validation runs in three passes, each only on what the previous one accepted:
YAML syntax, the file's shape (:mod:`~tanbih.coalition.schema`), then the rules between entries
(:mod:`~tanbih.coalition.checks`) and the zone files (:mod:`~tanbih.coalition.zones`).
"""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType

from pydantic import ValidationError

from tanbih.coalition.checks import cross_check
from tanbih.coalition.schema import POLICY_SECTIONS, CoalitionFile, PartnerEntry
from tanbih.coalition.source import SourceMap, read_yaml
from tanbih.coalition.zones import Located, duplicate_zone_ids, zones_from_geojson
from tanbih.domain.coalition import (
    ChannelAddress,
    ChannelKind,
    Coalition,
    Contact,
    DutyRole,
    NodeIdentity,
    Partner,
    Role,
)
from tanbih.errors import CoalitionError, Problem

ReadZoneFile = Callable[[str], bytes]
"""Reads a zone file named as in the coalition file; raises ``OSError`` if it cannot."""

# pydantic's wording for the commonest mistakes, said in the file's terms.
_MESSAGES = {
    "missing": "required, but missing",
    "extra_forbidden": "unknown key (not part of the coalition file format)",
    "string_type": "must be text (quote it if YAML reads it as a number, date or yes/no)",
    "int_type": "must be a whole number",
    "list_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
}


def parse_coalition(text: str, read_zone_file: ReadZoneFile, source: str = "") -> Coalition:
    """The coalition ``text`` declares; raises :class:`CoalitionError` listing every problem."""
    document, problems = read_yaml(text)
    if document is None or problems:
        raise CoalitionError(problems, source)
    file = _shape(document.data, document.source_map, source)
    problems = cross_check(file, document.source_map)
    located, zone_problems = _zones(file, read_zone_file, document.source_map)
    problems += zone_problems
    if problems:
        raise CoalitionError(problems, source)
    return Coalition(
        name=file.coalition.name,
        version=file.coalition.version,
        node=NodeIdentity(file.node.partner, file.node.sender),
        partners=tuple(_partner(entry) for entry in file.partners),
        zones=tuple(zone for _, zone in located),
        policies=MappingProxyType(
            {
                name: getattr(file, name)
                for name in POLICY_SECTIONS
                if getattr(file, name) is not None
            }
        ),
    )


def _zones(
    file: CoalitionFile, read_zone_file: ReadZoneFile, source_map: SourceMap
) -> tuple[list[Located], list[Problem]]:
    """Every zone of every zone file, and the problems with them (ids unique across files)."""
    located: list[Located] = []
    problems: list[Problem] = []
    for index, zone_source in enumerate(file.zones):
        try:
            raw = read_zone_file(zone_source.file)
        except OSError as exc:
            reason = "not found" if isinstance(exc, FileNotFoundError) else exc.strerror or exc
            looked = f" (looked for {exc.filename})" if exc.filename else ""
            message = f"zone file {zone_source.file!r}: {reason}{looked}"
            problems.append(source_map.problem(("zones", index, "file"), message))
            continue
        zones, zone_problems = zones_from_geojson(raw, zone_source)
        located += zones
        problems += zone_problems
    return located, problems + duplicate_zone_ids(located)


def _shape(data: object, source_map: SourceMap, source: str) -> CoalitionFile:
    """The file's data as :class:`CoalitionFile`, or a :class:`CoalitionError` per misfit."""
    try:
        return CoalitionFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            source_map.problem(
                # pydantic adds '[key]' after a mapping key it rejects; the key path says it.
                tuple(part for part in error["loc"] if part != "[key]"),
                _MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, ")),
            )
            for error in exc.errors(include_url=False)
        ]
        raise CoalitionError(problems, source) from exc


def _partner(entry: PartnerEntry) -> Partner:
    return Partner(
        id=entry.id,
        name=entry.name,
        role=Role(entry.role),
        languages=tuple(entry.languages),
        senders=tuple(entry.senders),
        token_hashes=tuple(entry.tokens),
        contacts=tuple(
            Contact(
                id=contact.id,
                name=contact.name,
                duty=DutyRole(contact.duty),
                languages=tuple(contact.languages),
                channels=tuple(
                    ChannelAddress(ChannelKind(channel.kind), channel.address)
                    for channel in contact.channels
                ),
            )
            for contact in entry.contacts
        ),
    )

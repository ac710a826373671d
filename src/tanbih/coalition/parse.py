"""From coalition-file text to a :class:`~tanbih.domain.coalition.Coalition`, or every problem.

No I/O here: files the coalition file names (zone files, certificate files) are fetched through
the ``read_zone_file`` callable the caller passes (:func:`tanbih.coalition.loader.load_coalition`
reads them beside the coalition file; tests pass a dict lookup). Validation runs in three passes,
each only on what the previous one accepted: YAML syntax, the file's shape
(:mod:`~tanbih.coalition.schema`), then the rules between entries
(:mod:`~tanbih.coalition.checks`), the zone files (:mod:`~tanbih.coalition.zones`) and the
signing keys' certificates (:mod:`~tanbih.coalition.keys`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from types import MappingProxyType

from pydantic import ValidationError

from tanbih.coalition.agreement_parse import parse_agreement
from tanbih.coalition.checks import cross_check, route_zone_problems
from tanbih.coalition.keys import signing_keys
from tanbih.coalition.schema import (
    POLICY_SECTIONS,
    CoalitionFile,
    EscalationEntry,
    MatchEntry,
    PartnerEntry,
    PolicyEntry,
    ReceiverEntry,
    RosterEntry,
    RouteEntry,
    RoutingEntry,
)
from tanbih.coalition.source import DocPath, SourceMap, format_path, read_yaml
from tanbih.coalition.zones import Located, duplicate_zone_ids, zones_from_geojson
from tanbih.domain.cap import Category
from tanbih.domain.coalition import (
    DEFAULT_ROUTING,
    ChannelAddress,
    ChannelKind,
    Coalition,
    Contact,
    DutyRole,
    EscalationPolicies,
    EscalationPolicy,
    EscalationStep,
    Matcher,
    NodeIdentity,
    Partner,
    Receiver,
    Repeat,
    Role,
    Roster,
    Route,
    RouteLabel,
    RoutingPolicy,
    Shift,
    SigningKey,
    StepTarget,
)
from tanbih.errors import CoalitionError, Problem

ReadZoneFile = Callable[[str], bytes]
"""Reads a file (zones, a certificate) named as in the coalition file; ``OSError`` if it cannot."""

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
    zone_ids = {zone.id for _, zone in located}
    problems += [
        document.source_map.problem(path, message)
        for path, message in route_zone_problems(file, zone_ids)
    ]
    keys, key_problems = signing_keys(file, read_zone_file, document.source_map)
    problems += key_problems
    agreement, agreement_problems = parse_agreement(
        document.data, file, read_zone_file, document.source_map, _MESSAGES
    )
    problems += agreement_problems
    if problems:
        raise CoalitionError(problems, source)
    return Coalition(
        name=file.coalition.name,
        version=file.coalition.version,
        node=NodeIdentity(file.node.partner, file.node.sender),
        partners=tuple(
            _partner(entry, partner_keys)
            for entry, partner_keys in zip(file.partners, keys, strict=True)
        ),
        zones=tuple(zone for _, zone in located),
        policies=MappingProxyType(
            {
                name: getattr(file, name)
                for name in POLICY_SECTIONS
                if getattr(file, name) is not None
            }
        ),
        routing=_routing(file.routing),
        escalation=_escalation(file.escalation),
        signatures_required=file.signatures is not None and file.signatures.required,
        agreement=agreement,
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


def _partner(entry: PartnerEntry, keys: tuple[SigningKey, ...]) -> Partner:
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
        roster=_roster(entry.roster),
        keys=keys,
    )


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _roster(entry: RosterEntry | None) -> Roster | None:
    if entry is None:
        return None
    return Roster(
        time_zone=entry.time_zone,
        shifts=tuple(
            Shift(
                days=frozenset(_DAYS.index(day) for day in shift.days or _DAYS),
                start=time.fromisoformat(shift.start),
                end=time.fromisoformat(shift.end),
                on_duty=MappingProxyType(
                    {
                        duty: tuple(getattr(shift, duty.value))
                        for duty in DutyRole
                        if getattr(shift, duty.value)
                    }
                ),
            )
            for shift in entry.shifts
        ),
    )


def _routing(entry: RoutingEntry | None) -> RoutingPolicy:
    if entry is None:
        return DEFAULT_ROUTING
    return RoutingPolicy(
        route=_route(entry.route, ("routing", "route")),
        subscriptions=MappingProxyType(
            {
                partner_id: frozenset(Category(c) for c in categories)
                for partner_id, categories in entry.subscriptions.items()
            }
        ),
    )


def _route(entry: RouteEntry, path: DocPath) -> Route:
    """A route and its children; an unnamed route is named by its path in the file."""
    return Route(
        name=entry.name or format_path(path),
        matchers=_matchers(entry.match, negated=False) + _matchers(entry.match_not, negated=True),
        receivers=None if entry.receivers is None else tuple(map(_receiver, entry.receivers)),
        escalate=entry.escalate,
        continue_matching=entry.continue_,
        routes=tuple(
            _route(child, (*path, "routes", index)) for index, child in enumerate(entry.routes)
        ),
    )


def _matchers(entry: MatchEntry | None, *, negated: bool) -> tuple[Matcher, ...]:
    if entry is None:
        return ()
    return tuple(
        Matcher(label, frozenset(values), negated)
        for label in RouteLabel
        if (values := getattr(entry, label.value)) is not None
    )


def _receiver(entry: ReceiverEntry) -> Receiver:
    return Receiver(
        duties=tuple(DutyRole(duty) for duty in entry.duty),
        channels=tuple(ChannelKind(kind) for kind in entry.channels),
    )


def _escalation(entry: EscalationEntry | None) -> EscalationPolicies:
    if entry is None:
        return EscalationPolicies()
    return EscalationPolicies(
        default=_policy(entry.default),
        partners=MappingProxyType(
            {partner_id: _policy(policy) for partner_id, policy in entry.partners.items()}
        ),
    )


def _policy(entry: PolicyEntry) -> EscalationPolicy:
    return EscalationPolicy(
        steps=tuple(
            EscalationStep(
                after=timedelta(seconds=step.after),
                receiver=_receiver(step),
                of=StepTarget(step.of),
            )
            for step in entry.steps
        ),
        repeat=None
        if entry.repeat is None
        else Repeat(entry.repeat.times, timedelta(seconds=entry.repeat.every)),
    )

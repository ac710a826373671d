"""Rules that span entries of a well-shaped coalition file.

Run after :mod:`tanbih.coalition.schema` accepted the shape. Each rule reports every offender
at its own path (the second of two equal ids, not the list holding them), so one run of
``tanbih coalition check`` lists everything to fix.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from urllib.parse import urlsplit

from tanbih.coalition.schema import CoalitionFile, PolicyEntry, RouteEntry
from tanbih.coalition.source import DocPath, SourceMap, format_path
from tanbih.errors import Problem

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# E.164: '+', a country code not starting with 0, at most 15 digits in all.
_E164 = re.compile(r"\+[1-9][0-9]{6,14}")
_URL_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*://\S+")
_NO_SPACE = re.compile(r"\S+")


def _web_url_problem(address: str) -> str | None:
    parts = urlsplit(address)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return "a webhook is an http:// or https:// URL with a host"
    return None


def _pattern_problem(pattern: re.Pattern[str], message: str) -> Callable[[str], str | None]:
    return lambda address: None if pattern.fullmatch(address) else message


_ADDRESS_RULES: dict[str, Callable[[str], str | None]] = {
    "console": _pattern_problem(_NO_SPACE, "a console address is a desk or user name, no spaces"),
    "email": _pattern_problem(_EMAIL, "not an e-mail address (name@domain)"),
    "sms": _pattern_problem(_E164, "not an E.164 phone number (+ and 7-15 digits)"),
    "voice": _pattern_problem(_E164, "not an E.164 phone number (+ and 7-15 digits)"),
    "webhook": _web_url_problem,
    "apprise": _pattern_problem(_URL_SCHEME, "an Apprise address is a URL with a scheme"),
}


def channel_address_problem(kind: str, address: str) -> str | None:
    """What is implausible about ``address`` for a channel of ``kind``, or ``None``."""
    return _ADDRESS_RULES[kind](address)


def cross_check(file: CoalitionFile, source_map: SourceMap) -> list[Problem]:
    """Every problem between entries of ``file``; empty when the coalition is coherent."""
    return [
        source_map.problem(path, message)
        for rule in (
            _partners,
            _node,
            _contacts,
            _zone_owners,
            _rosters,
            _routing,
            _escalation,
            _keys,
        )
        for path, message in rule(file)
    ]


Finding = tuple[DocPath, str]


def _first_seen(items: Iterable[tuple[DocPath, str]], what: str) -> Iterable[Finding]:
    """A finding for each value already given at an earlier path."""
    first: dict[str, DocPath] = {}
    for path, value in items:
        if value in first:
            yield path, f"{what} {value!r} already given at {format_path(first[value])}"
        else:
            first[value] = path


def _partners(file: CoalitionFile) -> Iterable[Finding]:
    partners = list(enumerate(file.partners))
    yield from _first_seen(((("partners", i, "id"), p.id) for i, p in partners), "partner id")
    yield from _first_seen(
        (
            (("partners", i, "senders", k), sender)
            for i, p in partners
            for k, sender in enumerate(p.senders)
        ),
        "sender",
    )
    yield from _first_seen(
        (
            (("partners", i, "tokens", k), token)
            for i, p in partners
            for k, token in enumerate(p.tokens)
        ),
        "token hash",
    )
    coordinators = [i for i, p in partners if p.role == "coordinator"]
    if not coordinators:
        yield ("partners",), "no partner has role 'coordinator'; the coalition needs exactly one"
    for i in coordinators[1:]:
        first = format_path(("partners", coordinators[0]))
        yield ("partners", i, "role"), f"a second coordinator ({first} is one already)"


def _node(file: CoalitionFile) -> Iterable[Finding]:
    partner = next((p for p in file.partners if p.id == file.node.partner), None)
    if partner is None:
        yield ("node", "partner"), f"no partner has id {file.node.partner!r}"
    elif file.node.sender not in partner.senders:
        yield (
            ("node", "sender"),
            f"{file.node.sender!r} is not among the senders of partner {partner.id!r}",
        )


def _contacts(file: CoalitionFile) -> Iterable[Finding]:
    # Contact ids are unique across the coalition so rosters and audit can name them alone.
    yield from _first_seen(
        (
            (("partners", i, "contacts", j, "id"), contact.id)
            for i, partner in enumerate(file.partners)
            for j, contact in enumerate(partner.contacts)
        ),
        "contact id",
    )
    for i, partner in enumerate(file.partners):
        for j, contact in enumerate(partner.contacts):
            for k, channel in enumerate(contact.channels):
                message = channel_address_problem(channel.kind, channel.address)
                if message is not None:
                    yield ("partners", i, "contacts", j, "channels", k, "address"), message


def _keys(file: CoalitionFile) -> Iterable[Finding]:
    # Key ids are unique across the coalition so a verification names its key alone.
    yield from _first_seen(
        (
            (("partners", i, "keys", k, "id"), key.id)
            for i, partner in enumerate(file.partners)
            for k, key in enumerate(partner.keys)
        ),
        "key id",
    )
    if file.signatures is None or not file.signatures.required:
        return
    for i, partner in enumerate(file.partners):
        if partner.senders and not partner.keys:
            yield (
                ("partners", i, "keys"),
                f"signatures are required (signatures.required) but partner {partner.id!r} "
                "registers no key to sign its messages with",
            )


def _zone_owners(file: CoalitionFile) -> Iterable[Finding]:
    known = {p.id for p in file.partners}
    for i, source in enumerate(file.zones):
        if source.partner not in known:
            yield ("zones", i, "partner"), f"no partner has id {source.partner!r}"


def _rosters(file: CoalitionFile) -> Iterable[Finding]:
    for i, partner in enumerate(file.partners):
        if partner.roster is None:
            continue
        own = {contact.id for contact in partner.contacts}
        for j, shift in enumerate(partner.roster.shifts):
            for duty in ("duty_officer", "deputy", "liaison"):
                for k, contact_id in enumerate(getattr(shift, duty)):
                    if contact_id not in own:
                        yield (
                            ("partners", i, "roster", "shifts", j, duty, k),
                            f"{contact_id!r} is not a contact of partner {partner.id!r}",
                        )


def _routes(route: RouteEntry, path: DocPath) -> Iterator[tuple[DocPath, RouteEntry]]:
    """Every route of the tree under ``route`` with its path, depth first."""
    yield path, route
    for index, child in enumerate(route.routes):
        yield from _routes(child, (*path, "routes", index))


def _routing(file: CoalitionFile) -> Iterable[Finding]:
    if file.routing is None:
        return
    known = {p.id for p in file.partners}
    for partner_id in file.routing.subscriptions:
        if partner_id not in known:
            yield ("routing", "subscriptions", partner_id), f"no partner has id {partner_id!r}"
    root = file.routing.route
    for key in ("match", "match_not"):
        if getattr(root, key) is not None:
            yield (
                ("routing", "route", key),
                "the root route takes every alert: put matchers on its child routes",
            )
    if root.continue_:
        yield ("routing", "route", "continue"), "the root route has no siblings to continue to"
    named = []
    for path, route in _routes(root, ("routing", "route")):
        if route.name is not None:
            named.append(((*path, "name"), route.name))
        for key in ("match", "match_not"):
            matchers = getattr(route, key)
            for label in ("partner", "source"):
                values = getattr(matchers, label, None) or []
                yield from _unknown((*path, key, label), values, known, "partner")
    yield from _first_seen(named, "route name")


def route_zone_problems(file: CoalitionFile, zone_ids: Collection[str]) -> Iterable[Finding]:
    """Route matchers naming zones the coalition's zone files do not have."""
    if file.routing is None:
        return
    for path, route in _routes(file.routing.route, ("routing", "route")):
        for key in ("match", "match_not"):
            values = getattr(getattr(route, key), "zone", None) or []
            yield from _unknown((*path, key, "zone"), values, zone_ids, "zone")


def _escalation(file: CoalitionFile) -> Iterable[Finding]:
    if file.escalation is None:
        return
    known = {p.id for p in file.partners}
    yield from _policy(file.escalation.default, ("escalation", "default"))
    for partner_id, policy in file.escalation.partners.items():
        if partner_id not in known:
            yield ("escalation", "partners", partner_id), f"no partner has id {partner_id!r}"
        yield from _policy(policy, ("escalation", "partners", partner_id))


def _policy(policy: PolicyEntry, path: DocPath) -> Iterable[Finding]:
    for j, (earlier, step) in enumerate(zip(policy.steps, policy.steps[1:], strict=False)):
        if step.after < earlier.after:
            yield (
                (*path, "steps", j + 1, "after"),
                f"steps go in order of 'after': {step.after} s comes after {earlier.after} s",
            )
    if policy.repeat is None:
        return
    if not policy.steps:
        yield (*path, "repeat"), "there are no steps to repeat"
    elif policy.repeat.every <= policy.steps[-1].after:
        yield (
            (*path, "repeat", "every"),
            f"a round must end before the next starts: 'every' must exceed the last step's "
            f"'after' ({policy.steps[-1].after} s)",
        )


def _unknown(
    path: DocPath, values: Iterable[str], known: Collection[str], what: str
) -> Iterable[Finding]:
    for k, value in enumerate(values):
        if value not in known:
            yield (*path, k), f"no {what} has id {value!r}"

"""Routing: who of the coalition is told of an alert, on which channels, in which language.

First the *candidates*: every partner whose zones or territory the alert covers (the pipeline
passes their ids, computed from geometry, and the alert's ``tanbih:zone`` geocodes add their
owners), every partner subscribed to one of its categories, and the coordinator, who sees all
its role allows. Each candidate is then routed through the coalition's routing tree with the
alert's labels plus its own (``partner``, and ``relation``: why it is a candidate, and whether it
is the source). The tree works as Prometheus Alertmanager's: depth first, a route matches when
all its matchers hold, the first matching child wins unless it says ``continue``, and a route
none of whose children match applies itself. Receivers and ``escalate`` are inherited down.

The receivers of the routes that applied name duties and channel kinds; the partner's roster at
``now`` says which contacts hold those duties, and each of their addresses of those kinds is a
:class:`~tanbih.domain.notification.Recipient`, reading the first of the contact's languages
the alert has an ``<info>`` in. Releasability (what each recipient may see) is decided later,
on these recipients.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import (
    Coalition,
    Contact,
    Matcher,
    Partner,
    Receiver,
    Route,
    RouteLabel,
)
from tanbih.domain.notification import Recipient
from tanbih.domain.roster import duty_contacts

ZONE_GEOCODE = "tanbih:zone"
"""The ``<geocode>`` value name carrying a coalition zone id in an alert's areas."""

Labels = Mapping[RouteLabel, frozenset[str]]


class Relation(StrEnum):
    """Why a partner is routed an alert (the ``relation`` label); it may have several."""

    AFFECTED = "affected"
    SUBSCRIBER = "subscriber"
    COORDINATOR = "coordinator"
    SOURCE = "source"


@dataclass(frozen=True, slots=True)
class MatchedRoute:
    """A route that applied, with the receivers and ``escalate`` it has after inheritance."""

    name: str
    receivers: tuple[Receiver, ...]
    escalate: bool


@dataclass(frozen=True, slots=True)
class RoutedPartner:
    """One candidate partner: why it was one, the routes that applied, and whom to tell.

    ``escalate`` is whether its escalation policy starts (only if someone is told).
    """

    partner_id: str
    relations: frozenset[Relation]
    routes: tuple[str, ...]
    escalate: bool
    recipients: tuple[Recipient, ...]


@dataclass(frozen=True, slots=True)
class Routing:
    """The routing of one alert: every candidate partner, told or not, in coalition order."""

    partners: tuple[RoutedPartner, ...]

    @property
    def recipients(self) -> tuple[Recipient, ...]:
        """Everyone to tell now, partner by partner."""
        return tuple(r for partner in self.partners for r in partner.recipients)

    @property
    def escalated(self) -> tuple[str, ...]:
        """The ids of the partners whose escalation starts with this alert."""
        return tuple(p.partner_id for p in self.partners if p.escalate)


def route(
    coalition: Coalition,
    alert: Alert,
    source_partner: str,
    affected_partners: frozenset[str],
    now: datetime,
) -> Routing:
    """Route ``alert``, posted by ``source_partner``, to the coalition at ``now``."""
    zones = alert_zones(alert)
    affected = affected_partners | {
        owner for zone in zones if (owner := coalition.zone_owner(zone)) is not None
    }
    alert_labels = _alert_labels(alert, source_partner, zones)
    languages = tuple(info.language for info in alert.infos)
    routed: list[RoutedPartner] = []
    for partner in coalition.partners:
        relations = _relations(coalition, partner, alert, source_partner, affected)
        if not relations - {Relation.SOURCE}:
            continue
        labels = {
            **alert_labels,
            RouteLabel.PARTNER: frozenset({partner.id}),
            RouteLabel.RELATION: frozenset(relations),
        }
        matched = matching_routes(coalition.routing.route, labels)
        recipients = _unique(
            recipient
            for leaf in matched
            for receiver in leaf.receivers
            for recipient in receiver_recipients(partner, receiver, languages, now)
        )
        escalate = bool(recipients) and any(leaf.escalate and leaf.receivers for leaf in matched)
        names = tuple(leaf.name for leaf in matched)
        routed.append(RoutedPartner(partner.id, relations, names, escalate, recipients))
    return Routing(tuple(routed))


def matching_routes(root: Route, labels: Labels) -> tuple[MatchedRoute, ...]:
    """The routes of the tree under ``root`` that apply to ``labels``, in tree order."""
    # The root's own defaults: nobody told, and escalation on, so a tree that names receivers
    # but forgets ``escalate`` still escalates.
    return tuple(_match(root, labels, (), True))


def receiver_recipients(
    partner: Partner, receiver: Receiver, languages: Iterable[str], now: datetime
) -> tuple[Recipient, ...]:
    """The partner's contacts on duty in the receiver's duties at ``now``, on its channels."""
    info_languages = tuple(languages)
    return _unique(
        Recipient(partner.id, contact.id, channel, recipient_language(contact, info_languages))
        for duty in receiver.duties
        for contact in duty_contacts(partner, duty, now)
        for channel in contact.channels
        if channel.kind in receiver.channels
    )


def recipient_language(contact: Contact, info_languages: Iterable[str]) -> str:
    """The contact's first language the alert has an ``<info>`` in, else its first language.

    Tags compare by primary subtag, so a contact reading ``en`` matches an ``en-US`` info.
    """
    offered = {_primary(language) for language in info_languages}
    return next(
        (language for language in contact.languages if _primary(language) in offered),
        contact.languages[0],
    )


def alert_zones(alert: Alert) -> frozenset[str]:
    """The coalition zone ids an alert's areas name in ``tanbih:zone`` geocodes."""
    return frozenset(
        geocode.value
        for info in alert.infos
        for area in info.areas
        for geocode in area.geocodes
        if geocode.value_name == ZONE_GEOCODE
    )


def _match(
    route: Route, labels: Labels, receivers: tuple[Receiver, ...], escalate: bool
) -> list[MatchedRoute]:
    if not all(_holds(matcher, labels) for matcher in route.matchers):
        return []
    receivers = route.receivers if route.receivers is not None else receivers
    escalate = route.escalate if route.escalate is not None else escalate
    matched: list[MatchedRoute] = []
    for child in route.routes:
        found = _match(child, labels, receivers, escalate)
        matched += found
        if found and not child.continue_matching:
            break
    return matched or [MatchedRoute(route.name, receivers, escalate)]


def _holds(matcher: Matcher, labels: Labels) -> bool:
    # Labels may hold several values (an alert's categories, its zones): a matcher holds when
    # any of them is among its values, a negated one when none is.
    shared = bool(labels.get(matcher.label, frozenset()) & matcher.values)
    return shared is not matcher.negated


def _alert_labels(alert: Alert, source_partner: str, zones: frozenset[str]) -> Labels:
    return {
        RouteLabel.STATUS: frozenset({alert.status.value}),
        RouteLabel.MSG_TYPE: frozenset({alert.msg_type.value}),
        RouteLabel.CATEGORY: frozenset(c.value for i in alert.infos for c in i.categories),
        RouteLabel.SEVERITY: frozenset(info.severity.value for info in alert.infos),
        RouteLabel.URGENCY: frozenset(info.urgency.value for info in alert.infos),
        RouteLabel.ZONE: zones,
        RouteLabel.SOURCE: frozenset({source_partner}),
    }


def _relations(
    coalition: Coalition,
    partner: Partner,
    alert: Alert,
    source_partner: str,
    affected: frozenset[str],
) -> frozenset[Relation]:
    subscribed = coalition.routing.subscriptions.get(partner.id, frozenset())
    categories = {category for info in alert.infos for category in info.categories}
    coordinator = coalition.coordinator
    candidates = {
        Relation.AFFECTED: partner.id in affected,
        Relation.SUBSCRIBER: bool(subscribed & categories),
        Relation.COORDINATOR: coordinator is not None and coordinator.id == partner.id,
        Relation.SOURCE: partner.id == source_partner,
    }
    return frozenset(relation for relation, holds in candidates.items() if holds)


def _unique(recipients: Iterable[Recipient]) -> tuple[Recipient, ...]:
    return tuple(dict.fromkeys(recipients))


def _primary(language: str) -> str:
    return language.split("-", maxsplit=1)[0].lower()

"""Routing as a table: Alertmanager's tree semantics, then candidates, contacts and languages."""

from __future__ import annotations

from datetime import datetime

import pytest
from tests.unit.domain.routing_samples import (
    CONSOLE,
    DAY,
    NIGHT,
    SMS,
    WEBHOOK,
    alert,
    coalition,
    contact,
    match,
    receiver,
)

from tanbih.domain.cap import Category, MsgType, Status
from tanbih.domain.coalition import DutyRole, Receiver, Route, RouteLabel
from tanbih.domain.routing import (
    Labels,
    Relation,
    RoutedPartner,
    alert_zones,
    matching_routes,
    recipient_language,
    route,
)

TREE = Route(
    name="root",
    receivers=(receiver(CONSOLE),),
    routes=(
        Route(
            "exercise",
            (match(RouteLabel.STATUS, "Exercise"),),
            receivers=(receiver(SMS),),
            routes=(
                Route("exercise-aa", (match(RouteLabel.PARTNER, "aa"),), escalate=False),
                Route(
                    "exercise-aa-again",
                    (match(RouteLabel.PARTNER, "aa"),),
                    receivers=(receiver(WEBHOOK),),
                ),
            ),
        ),
        Route(
            "security",
            (match(RouteLabel.CATEGORY, "Security"),),
            receivers=(receiver(WEBHOOK),),
            continue_matching=True,
        ),
        Route(
            "extreme",
            (match(RouteLabel.CATEGORY, "Security"), match(RouteLabel.SEVERITY, "Extreme")),
            receivers=(receiver(SMS),),
        ),
        Route(
            "not-affected",
            (match(RouteLabel.RELATION, "affected", negated=True),),
            receivers=(),
        ),
    ),
)


def labels(**values: str | tuple[str, ...]) -> Labels:
    """Route labels from keyword arguments; a tuple gives a label several values."""
    return {
        RouteLabel(name): frozenset(value if isinstance(value, tuple) else (value,))
        for name, value in values.items()
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        pytest.param(
            labels(status="Exercise", partner="aa", relation="affected"),
            ["exercise-aa"],
            id="depth first: the first matching child wins over a later one",
        ),
        pytest.param(
            labels(status="Exercise", partner="bb", relation="affected"),
            ["exercise"],
            id="no child matches: the parent applies",
        ),
        pytest.param(
            labels(status="Actual", category="Security", severity="Extreme", relation="affected"),
            ["security", "extreme"],
            id="continue lets the next sibling match too",
        ),
        pytest.param(
            labels(status="Actual", category="Security", severity="Severe", relation="affected"),
            ["security"],
            id="continue: only matching siblings are added",
        ),
        pytest.param(
            labels(status="Actual", category=("Met", "Security"), relation="affected"),
            ["security"],
            id="a label with several values matches on any of them",
        ),
        pytest.param(
            labels(status="Actual", category="Met", relation="subscriber"),
            ["not-affected"],
            id="a negated matcher holds when the label has none of its values",
        ),
        pytest.param(
            labels(status="Actual", category="Met", relation=("affected", "subscriber")),
            ["root"],
            id="nothing below matches: the root applies",
        ),
    ],
)
def test_routes_match_as_in_alertmanager(given: Labels, expected: list[str]) -> None:
    """Depth first, first match wins unless continue, fall back to the parent."""
    assert [m.name for m in matching_routes(TREE, given)] == expected


def test_receivers_and_escalate_are_inherited_down_the_tree() -> None:
    """A route without receivers takes its parent's; without escalate, its parent's setting."""
    (matched,) = matching_routes(TREE, labels(status="Exercise", partner="aa"))
    assert matched.receivers == (receiver(SMS),)
    assert matched.escalate is False
    (parent,) = matching_routes(TREE, labels(status="Exercise", partner="bb"))
    assert parent.escalate is True


def test_an_empty_receivers_list_tells_nobody() -> None:
    """``receivers=()`` is not 'inherit': it stops the parent's receivers."""
    (matched,) = matching_routes(TREE, labels(status="Actual", category="Met"))
    assert matched.receivers == ()


def routed(partners: tuple[RoutedPartner, ...]) -> dict[str, tuple[str, ...]]:
    """Partner id -> names of the routes that applied to it."""
    return {p.partner_id: p.routes for p in partners}


@pytest.mark.parametrize(
    ("source", "affected", "zones", "category", "expected"),
    [
        pytest.param(
            "hub",
            {"aa"},
            (),
            Category.SECURITY,
            {"hub": ("own",), "aa": ("threatened",), "cc": ("overflown",)},
            id="affected by geometry, subscriber, and the coordinator who posted it",
        ),
        pytest.param(
            "bb",
            set(),
            ("aa-1",),
            Category.SECURITY,
            {"hub": ("hub",), "aa": ("threatened",), "cc": ("overflown",)},
            id="affected by the owner of a tanbih:zone geocode",
        ),
        pytest.param(
            "bb",
            {"bb", "aa"},
            (),
            Category.SECURITY,
            {"hub": ("hub",), "aa": ("threatened",), "bb": ("own",), "cc": ("overflown",)},
            id="the source is a candidate only when it is affected",
        ),
        pytest.param(
            "aa",
            set(),
            (),
            Category.MET,
            {"hub": ("root",)},
            id="no subscription to the category: only the coordinator",
        ),
        pytest.param(
            "hub",
            {"zz"},
            ("no-such-zone",),
            Category.SECURITY,
            {"hub": ("own",), "cc": ("overflown",)},
            id="unknown partners and zones are ignored",
        ),
    ],
)
def test_candidates_are_affected_subscribed_or_the_coordinator(
    source: str,
    affected: set[str],
    zones: tuple[str, ...],
    category: Category,
    expected: dict[str, tuple[str, ...]],
) -> None:
    """Each candidate partner is routed once, with the routes that applied to it."""
    result = route(
        coalition(), alert(category=category, zones=zones), source, frozenset(affected), DAY
    )
    assert routed(result.partners) == expected


def test_relations_say_why_a_partner_is_routed() -> None:
    """A partner may be affected and the source at once; the coordinator is marked as such."""
    result = route(coalition(), alert(), "aa", frozenset({"aa"}), DAY)
    relations = {p.partner_id: p.relations for p in result.partners}
    assert relations["aa"] == {Relation.AFFECTED, Relation.SOURCE}
    assert relations["hub"] == {Relation.COORDINATOR}
    assert relations["cc"] == {Relation.SUBSCRIBER}


def test_recipients_are_the_contacts_on_duty_on_the_receivers_channels() -> None:
    """By day partner aa's duty officer gets console and webhook, in the contact's order."""
    result = route(coalition(), alert(), "hub", frozenset({"aa"}), DAY)
    aa = next(p for p in result.partners if p.partner_id == "aa")
    assert [(r.contact_id, r.channel.kind) for r in aa.recipients] == [
        ("aa-duty", CONSOLE),
        ("aa-duty", WEBHOOK),
    ]
    assert aa.escalate is True


def test_at_night_the_roster_reaches_the_deputy() -> None:
    """At 02:00 in Riyadh the deputy holds the duty officer's watch, so the deputy is told."""
    result = route(coalition(), alert(), "hub", frozenset({"aa"}), NIGHT)
    aa = next(p for p in result.partners if p.partner_id == "aa")
    assert {r.contact_id for r in aa.recipients} == {"aa-deputy"}


def test_overlapping_receivers_tell_each_address_once() -> None:
    """Two receivers naming the same console give one recipient for it."""
    result = route(coalition(), alert(), "aa", frozenset(), DAY)
    hub = next(p for p in result.partners if p.partner_id == "hub")
    assert [(r.contact_id, r.channel.kind) for r in hub.recipients] == [
        ("hub-duty", CONSOLE),
        ("hub-duty", SMS),
    ]


def test_routing_lists_everyone_and_who_escalates() -> None:
    """``recipients`` gathers every partner's; ``escalated`` names partners routed to escalate."""
    result = route(coalition(), alert(), "hub", frozenset({"aa"}), DAY)
    assert {r.partner_id for r in result.recipients} == {"aa", "cc"}
    assert result.escalated == ("aa",)


def test_a_partner_told_nobody_does_not_escalate() -> None:
    """A route that applies with no receivers leaves the partner untold and unescalated."""
    result = route(coalition(), alert(), "hub", frozenset(), DAY)
    hub = next(p for p in result.partners if p.partner_id == "hub")
    assert hub.recipients == ()
    assert hub.escalate is False


def test_status_routes_tests_to_the_console_only() -> None:
    """A Test message takes the tests route: console only, no escalation."""
    result = route(coalition(), alert(status=Status.TEST), "hub", frozenset({"aa"}), DAY)
    aa = next(p for p in result.partners if p.partner_id == "aa")
    assert aa.routes == ("tests",)
    assert {r.channel.kind for r in aa.recipients} == {CONSOLE}
    assert aa.escalate is False


def test_msg_type_and_zone_labels_can_route() -> None:
    """Matchers on msg_type and zone see the alert's message type and geocoded zones."""
    tree = Route(
        "root",
        receivers=(),
        routes=(
            Route(
                "cancel-in-aa-1",
                (match(RouteLabel.MSG_TYPE, "Cancel"), match(RouteLabel.ZONE, "aa-1")),
                receivers=(Receiver((DutyRole.DEPUTY,), (CONSOLE,)),),
            ),
        ),
    )
    cancel = alert(msg_type=MsgType.CANCEL, zones=("aa-1",))
    result = route(coalition(tree), cancel, "hub", frozenset(), DAY)
    aa = next(p for p in result.partners if p.partner_id == "aa")
    assert [(r.contact_id, r.channel.kind) for r in aa.recipients] == [("aa-deputy", CONSOLE)]


@pytest.mark.parametrize(
    ("contact_languages", "info_languages", "expected"),
    [
        pytest.param(("he", "en"), ("ar", "en-US"), "en", id="first shared language"),
        pytest.param(("he", "en"), ("he-IL", "en-US"), "he", id="primary subtags compare"),
        pytest.param(("ar",), ("en-US",), "ar", id="none shared: the contact's first"),
        pytest.param(("en-GB", "ar"), ("en-US",), "en-GB", id="the contact's own tag is kept"),
        pytest.param(("ar", "en"), (), "ar", id="no info at all: the contact's first"),
    ],
)
def test_recipient_language(
    contact_languages: tuple[str, ...], info_languages: tuple[str, ...], expected: str
) -> None:
    """The contact's first language the alert has an info in, else the contact's first."""
    someone = contact("x", DutyRole.DUTY_OFFICER, contact_languages)
    assert recipient_language(someone, info_languages) == expected


def test_each_recipient_reads_a_language_of_the_alert() -> None:
    """Partner bb reads he and en; given he and ar infos, its recipients get Hebrew."""
    result = route(coalition(), alert(languages=("ar", "he")), "hub", frozenset({"bb"}), DAY)
    bb = next(p for p in result.partners if p.partner_id == "bb")
    assert {r.language for r in bb.recipients} == {"he"}


def test_alert_zones_come_from_tanbih_zone_geocodes() -> None:
    """Only ``tanbih:zone`` geocodes name coalition zones; every info's areas count."""
    assert alert_zones(alert(zones=("aa-1", "bb-7"), languages=("en", "ar"))) == {"aa-1", "bb-7"}
    assert alert_zones(alert()) == frozenset()


def test_a_naive_time_is_refused_when_a_roster_is_read() -> None:
    """Routing reads rosters in their own zones, so a naive ``now`` is an error."""
    with pytest.raises(ValueError, match="timezone-aware"):
        route(coalition(), alert(), "hub", frozenset({"aa"}), datetime(2026, 11, 30, 12))

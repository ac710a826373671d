"""The routing, roster and escalation sections: loaded as typed values, or each mistake named."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from tests.unit.coalition.samples import Document, Write, load_problems, minimal
from tests.unit.coalition.test_validation import Mutation, delete_at, set_at

from tanbih.coalition import load_coalition
from tanbih.domain.cap import Category
from tanbih.domain.coalition import (
    DEFAULT_ROUTING,
    ChannelKind,
    DutyRole,
    EscalationPolicies,
    EscalationPolicy,
    EscalationStep,
    Matcher,
    Receiver,
    Repeat,
    Route,
    RouteLabel,
    StepTarget,
)


def with_sections() -> Document:
    """The minimal coalition with a roster for partner aa, a routing tree and escalation."""
    document = minimal()
    aa = document["partners"][1]
    aa["contacts"].append(
        {"id": "aa-deputy", "name": "A deputy", "duty": "deputy", "languages": ["ar"]}
    )
    aa["roster"] = {
        "time_zone": "Asia/Riyadh",
        "shifts": [
            {"start": "07:00", "end": "19:00", "duty_officer": ["aa-duty"]},
            {
                "days": ["fri", "sat"],
                "start": "19:00",
                "end": "07:00",
                "duty_officer": ["aa-deputy"],
                "deputy": ["aa-duty"],
            },
        ],
    }
    document["routing"] = {
        "subscriptions": {"bb": ["Security", "CBRNE"]},
        "route": {
            "name": "root",
            "receivers": [],
            "routes": [
                {"name": "own", "match": {"relation": ["source"]}},
                {
                    "match": {"category": ["Security"], "zone": ["aa-1"]},
                    "match_not": {"partner": ["bb"], "status": ["Draft"]},
                    "receivers": [{"duty": ["duty_officer"], "channels": ["console", "webhook"]}],
                    "escalate": True,
                    "continue": True,
                    "routes": [{"name": "tests", "match": {"status": ["Test"]}}],
                },
            ],
        },
    }
    document["escalation"] = {
        "default": {
            "steps": [
                {"after": 20, "duty": ["duty_officer"], "channels": ["sms", "voice"]},
                {"after": 60, "of": "coordinator", "duty": ["duty_officer"], "channels": ["sms"]},
            ],
            "repeat": {"times": 2, "every": 120},
        },
        "partners": {"hub": {"steps": []}},
    }
    return document


def test_the_sections_load_as_typed_values(write: Write) -> None:
    """Roster, routing tree and escalation policies become domain values, not raw mappings."""
    coalition = load_coalition(write(with_sections()))
    aa = coalition.partner("aa")
    assert aa is not None
    assert aa.roster is not None
    assert aa.roster.time_zone == "Asia/Riyadh"
    every_day, weekend = aa.roster.shifts
    assert (every_day.days, every_day.start, every_day.end) == (
        frozenset(range(7)),
        time(7),
        time(19),
    )
    assert dict(every_day.on_duty) == {DutyRole.DUTY_OFFICER: ("aa-duty",)}
    assert weekend.days == {4, 5}
    assert dict(weekend.on_duty) == {
        DutyRole.DUTY_OFFICER: ("aa-deputy",),
        DutyRole.DEPUTY: ("aa-duty",),
    }
    assert dict(coalition.routing.subscriptions) == {"bb": {Category.SECURITY, Category.CBRNE}}
    assert coalition.routing.route == Route(
        name="root",
        receivers=(),
        routes=(
            Route("own", (Matcher(RouteLabel.RELATION, frozenset({"source"})),)),
            Route(
                name="routing.route.routes[1]",
                matchers=(
                    Matcher(RouteLabel.CATEGORY, frozenset({"Security"})),
                    Matcher(RouteLabel.ZONE, frozenset({"aa-1"})),
                    Matcher(RouteLabel.STATUS, frozenset({"Draft"}), negated=True),
                    Matcher(RouteLabel.PARTNER, frozenset({"bb"}), negated=True),
                ),
                receivers=(
                    Receiver((DutyRole.DUTY_OFFICER,), (ChannelKind.CONSOLE, ChannelKind.WEBHOOK)),
                ),
                escalate=True,
                continue_matching=True,
                routes=(Route("tests", (Matcher(RouteLabel.STATUS, frozenset({"Test"})),)),),
            ),
        ),
    )
    assert coalition.escalation.default == EscalationPolicy(
        steps=(
            EscalationStep(
                timedelta(seconds=20),
                Receiver((DutyRole.DUTY_OFFICER,), (ChannelKind.SMS, ChannelKind.VOICE)),
            ),
            EscalationStep(
                timedelta(seconds=60),
                Receiver((DutyRole.DUTY_OFFICER,), (ChannelKind.SMS,)),
                StepTarget.COORDINATOR,
            ),
        ),
        repeat=Repeat(2, timedelta(seconds=120)),
    )
    assert coalition.escalation.for_partner("hub") == EscalationPolicy()
    assert coalition.escalation.for_partner("aa") is coalition.escalation.default


def test_without_the_sections_the_defaults_apply(write: Write) -> None:
    """No routing section: the default route; no escalation section: nothing escalates."""
    coalition = load_coalition(write(minimal()))
    assert coalition.routing == DEFAULT_ROUTING
    assert coalition.escalation == EscalationPolicies()
    assert all(partner.roster is None for partner in coalition.partners)
    assert "routing" not in coalition.policies


ROUTES = ("routing", "route", "routes")
SHIFT = ("partners", 1, "roster", "shifts", 0)
STEPS = ("escalation", "default", "steps")

CASES: list[tuple[str, Mutation, str, str]] = [
    # (case, mutation, where the problem must be, words its message must contain)
    (
        "root route with matchers",
        set_at(("routing", "route", "match"), {"status": ["Actual"]}),
        "routing.route.match",
        "root route",
    ),
    (
        "root route that continues",
        set_at(("routing", "route", "continue"), True),
        "routing.route.continue",
        "no siblings",
    ),
    ("no tree", delete_at(("routing", "route")), "routing.route", "required"),
    (
        "unknown matcher label",
        set_at((*ROUTES, 0, "match"), {"colour": ["red"]}),
        "routing.route.routes[0].match.colour",
        "unknown key",
    ),
    (
        "status not a CAP status",
        set_at((*ROUTES, 0, "match"), {"status": ["Real"]}),
        "routing.route.routes[0].match.status[0]",
        "'Exercise'",
    ),
    (
        "matcher values not a list",
        set_at((*ROUTES, 0, "match"), {"status": "Exercise"}),
        "routing.route.routes[0].match.status",
        "list",
    ),
    (
        "matcher with no values",
        set_at((*ROUTES, 0, "match"), {"category": []}),
        "routing.route.routes[0].match.category",
        "must not be empty",
    ),
    (
        "relation unknown",
        set_at((*ROUTES, 0, "match"), {"relation": ["ally"]}),
        "routing.route.routes[0].match.relation[0]",
        "'affected'",
    ),
    (
        "matcher on an unknown partner",
        set_at((*ROUTES, 1, "match_not", "partner"), ["bb", "zz"]),
        "routing.route.routes[1].match_not.partner[1]",
        "no partner has id 'zz'",
    ),
    (
        "matcher on an unknown source",
        set_at((*ROUTES, 0, "match"), {"source": ["zz"]}),
        "routing.route.routes[0].match.source[0]",
        "no partner has id 'zz'",
    ),
    (
        "matcher on an unknown zone",
        set_at((*ROUTES, 1, "match", "zone"), ["aa-9"]),
        "routing.route.routes[1].match.zone[0]",
        "no zone has id 'aa-9'",
    ),
    (
        "two routes with one name",
        set_at((*ROUTES, 1, "routes", 0, "name"), "own"),
        "routing.route.routes[1].routes[0].name",
        "already given at routing.route.routes[0].name",
    ),
    (
        "receiver duty unknown",
        set_at((*ROUTES, 1, "receivers", 0, "duty"), ["boss"]),
        "routing.route.routes[1].receivers[0].duty[0]",
        "'duty_officer'",
    ),
    (
        "receiver with no channels",
        set_at((*ROUTES, 1, "receivers", 0, "channels"), []),
        "routing.route.routes[1].receivers[0].channels",
        "must not be empty",
    ),
    (
        "escalate as text",
        set_at((*ROUTES, 1, "escalate"), "yes"),
        "routing.route.routes[1].escalate",
        "bool",
    ),
    (
        "subscription of an unknown partner",
        set_at(("routing", "subscriptions", "zz"), ["Security"]),
        "routing.subscriptions.zz",
        "no partner has id 'zz'",
    ),
    (
        "subscription to an unknown category",
        set_at(("routing", "subscriptions", "bb"), ["Drones"]),
        "routing.subscriptions.bb[0]",
        "'Security'",
    ),
    (
        "roster time zone unknown",
        set_at(("partners", 1, "roster", "time_zone"), "Mars/Olympus_Mons"),
        "partners[1].roster.time_zone",
        "IANA time zone",
    ),
    (
        "shift time without its leading zero",
        set_at((*SHIFT, "start"), "7:00"),
        "partners[1].roster.shifts[0].start",
        "HH:MM",
    ),
    (
        "shift time past 23:59",
        set_at((*SHIFT, "end"), "24:00"),
        "partners[1].roster.shifts[0].end",
        "HH:MM",
    ),
    (
        "shift time unquoted (YAML reads 19:00 as a number)",
        set_at((*SHIFT, "end"), 1140),
        "partners[1].roster.shifts[0].end",
        "quote",
    ),
    (
        "shift weekday misspelt",
        set_at((*SHIFT, "days"), ["monday"]),
        "partners[1].roster.shifts[0].days[0]",
        "'mon'",
    ),
    (
        "shift with nobody on duty",
        set_at((*SHIFT, "duty_officer"), []),
        "partners[1].roster.shifts[0]",
        "names its duty_officer",
    ),
    (
        "shift naming another partner's contact",
        set_at((*SHIFT, "duty_officer"), ["hub-duty"]),
        "partners[1].roster.shifts[0].duty_officer[0]",
        "'hub-duty' is not a contact of partner 'aa'",
    ),
    (
        "roster without shifts",
        set_at(("partners", 1, "roster", "shifts"), []),
        "partners[1].roster.shifts",
        "must not be empty",
    ),
    (
        "escalation of an unknown partner",
        set_at(("escalation", "partners", "zz"), {"steps": []}),
        "escalation.partners.zz",
        "no partner has id 'zz'",
    ),
    (
        "steps out of order",
        set_at((*STEPS, 1, "after"), 10),
        "escalation.default.steps[1].after",
        "in order of 'after'",
    ),
    (
        "negative delay",
        set_at((*STEPS, 0, "after"), -5),
        "escalation.default.steps[0].after",
        "0",
    ),
    (
        "step for an unknown target",
        set_at((*STEPS, 0, "of"), "everyone"),
        "escalation.default.steps[0].of",
        "'coordinator'",
    ),
    (
        "rounds that overlap",
        set_at(("escalation", "default", "repeat", "every"), 60),
        "escalation.default.repeat.every",
        "must exceed the last step's 'after' (60 s)",
    ),
    (
        "repeat with nothing to repeat",
        set_at(("escalation", "partners", "hub", "repeat"), {"times": 1, "every": 60}),
        "escalation.partners.hub.repeat",
        "no steps",
    ),
    (
        "repeat zero times",
        set_at(("escalation", "default", "repeat", "times"), 0),
        "escalation.default.repeat.times",
        "1",
    ),
]


@pytest.mark.parametrize(
    ("mutation", "where", "words"),
    [pytest.param(m, w, words, id=case) for case, m, w, words in CASES],
)
def test_each_mistake_is_reported_at_its_path(
    write: Write, mutation: Mutation, where: str, words: str
) -> None:
    """One mistake in the new sections gives one problem, at its path and line, saying what."""
    document: dict[str, Any] = with_sections()
    mutation(document)
    problems = load_problems(write(document))
    assert [p.where for p in problems] == [where], problems
    assert words in problems[0].message
    assert problems[0].line is not None

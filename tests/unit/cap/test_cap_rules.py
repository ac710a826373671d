"""The rules beyond the XSD, one row per way to break them, each naming its element."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from tests.unit.cap.cap_strategies import plain_alert

from tanbih.cap import validate
from tanbih.domain.cap import (
    Alert,
    Area,
    Circle,
    Info,
    MsgType,
    Point,
    Polygon,
    Reference,
    Resource,
    Scope,
)

BASE = plain_alert()
SENT = BASE.sent
INFO = BASE.infos[0]
AREA = INFO.areas[0]
POLYGON = "alert/info[1]/area[1]/polygon[1]"
CIRCLE = "alert/info[1]/area[1]/circle[1]"
OTHER_SENDER = "idf@tanbih.example"
CIRCLE_OF_20 = [(math.sin(k * math.pi / 10), math.cos(k * math.pi / 10)) for k in range(20)]


def _info(**changes: object) -> Callable[[Alert], Alert]:
    return lambda alert: replace(alert, infos=(replace(INFO, **changes),))  # type: ignore[arg-type]


def _area(**changes: object) -> Callable[[Alert], Alert]:
    return _info(areas=(replace(AREA, **changes),))  # type: ignore[arg-type]


def _ring(*pairs: tuple[float, float]) -> tuple[Polygon]:
    return (Polygon(tuple(Point(lat, lon) for lat, lon in pairs)),)


def _alert(**changes: object) -> Callable[[Alert], Alert]:
    return lambda alert: replace(alert, **changes)  # type: ignore[arg-type]


def _reference(sender: str, identifier: str, sent: datetime) -> tuple[Reference]:
    return (Reference(sender, identifier, sent),)


# (id, change to the plain alert, element named, words of the message)
BROKEN = [
    ("identifier space", _alert(identifier="A 1"), "alert/identifier", "contains ' '"),
    ("identifier comma", _alert(identifier="A,1"), "alert/identifier", "contains ','"),
    ("identifier <", _alert(identifier="A<1"), "alert/identifier", "contains '<'"),
    ("identifier &", _alert(identifier="A&1"), "alert/identifier", "contains '&'"),
    ("identifier empty", _alert(identifier=""), "alert/identifier", "must not be empty"),
    ("sender tab", _alert(sender="hub\t1"), "alert/sender", "contains '\\t'"),
    ("sender empty", _alert(sender=""), "alert/sender", "must not be empty"),
    ("sent naive", _alert(sent=datetime(2026, 3, 1, 12)), "alert/sent", "no time-zone offset"),
    ("sent fraction", _alert(sent=SENT.replace(microsecond=5)), "alert/sent", "whole seconds"),
    (
        "sent odd offset",
        _alert(sent=SENT.replace(tzinfo=timezone(timedelta(seconds=30)))),
        "alert/sent",
        "not a whole number of minutes",
    ),
    (
        "sent far offset",
        _alert(sent=SENT.replace(tzinfo=timezone(timedelta(hours=14, minutes=1)))),
        "alert/sent",
        "beyond ±14:00",
    ),
    ("update alone", _alert(msg_type=MsgType.UPDATE), "alert/references", "Update needs refer"),
    ("cancel alone", _alert(msg_type=MsgType.CANCEL), "alert/references", "Cancel needs refer"),
    ("ack alone", _alert(msg_type=MsgType.ACK), "alert/references", "Ack needs references"),
    ("error alone", _alert(msg_type=MsgType.ERROR), "alert/references", "Error needs refer"),
    (
        "reference naive",
        _alert(references=_reference(OTHER_SENDER, "A-0", datetime(2026, 3, 1))),
        "alert/references",
        "no time-zone offset",
    ),
    (
        "reference spaced",
        _alert(references=_reference(OTHER_SENDER, "A 0", SENT)),
        "alert/references",
        "contains ' '",
    ),
    (
        "restriction public",
        _alert(restriction="partners only"),
        "alert/restriction",
        "only with scope Restricted, not Public",
    ),
    (
        "restricted bare",
        _alert(scope=Scope.RESTRICTED),
        "alert/restriction",
        "scope Restricted needs a restriction",
    ),
    ("private bare", _alert(scope=Scope.PRIVATE), "alert/addresses", "Private needs the addr"),
    ("status unknown", _alert(status="Real"), "alert/status", "'Real' is not a CAP 1.2 status"),
    ("language", _info(language="en_US"), "alert/info[1]/language", "RFC 3066"),
    ("no category", _info(categories=()), "alert/info[1]/category", "at least one category"),
    ("category", _info(categories=("Threat",)), "alert/info[1]/category[1]", "'Threat'"),
    (
        "very likely",
        _info(certainty="Very Likely"),
        "alert/info[1]/certainty",
        "'Very Likely' is CAP 1.0",
    ),
    ("urgency", _info(urgency="Now"), "alert/info[1]/urgency", "not a CAP 1.2 urgency"),
    ("response", _info(response_types=("Hide",)), "alert/info[1]/responseType[1]", "'Hide'"),
    (
        "expires naive",
        _info(expires=datetime(2026, 3, 1, 12, 30)),
        "alert/info[1]/expires",
        "no time-zone offset",
    ),
    (
        "expires before effective",
        _info(effective=SENT + timedelta(hours=1)),
        "alert/info[1]/expires",
        "expires is before effective",
    ),
    (
        "expires before onset",
        _info(onset=SENT + timedelta(hours=1)),
        "alert/info[1]/expires",
        "expires is before onset",
    ),
    (
        "onset naive",
        _info(onset=datetime(2026, 3, 1, 12, 1)),
        "alert/info[1]/onset",
        "no time-zone offset",
    ),
    (
        "negative size",
        _info(resources=(Resource("map", "image/png", size=-1),)),
        "alert/info[1]/resource[1]/size",
        "must not be negative",
    ),
    ("triangle", _area(polygons=_ring((1, 1), (2, 2), (1, 1))), POLYGON, "has 3 points"),
    ("open ring", _area(polygons=_ring((1, 1), (2, 2), (1, 3), (0, 2))), POLYGON, "not closed"),
    (
        "latitude",
        _area(polygons=_ring((91, 1), (2, 2), (1, 3), (91, 1))),
        POLYGON,
        "point 91,1 is out of range",
    ),
    (
        "longitude",
        _area(polygons=_ring((1, 181), (2, 2), (1, 3), (1, 181))),
        POLYGON,
        "out of range",
    ),
    (
        "bow tie",
        _area(polygons=_ring((0, 0), (1, 1), (0, 1), (1, 0), (0, 0))),
        POLYGON,
        "crosses or touches itself",
    ),
    (
        "large bow tie",
        _area(polygons=_ring(*[(k / 10, k / 10) for k in range(11)], (0, 1), (1, 0), (0, 0))),
        POLYGON,
        "crosses or touches itself",
    ),
    (
        "spike",
        _area(polygons=_ring((0, 0), (0, 2), (0, 3), (0, 2), (2, 2), (0, 0))),
        POLYGON,
        "crosses or touches itself",
    ),
    (
        "no area",
        _area(polygons=_ring((1, 1), (1, 1), (2, 2), (2, 2), (1, 1))),
        POLYGON,
        "fewer than 3 distinct corners",
    ),
    ("radius", _area(circles=(Circle(Point(1, 1), -1),)), CIRCLE, "must be a number ≥ 0"),
    ("radius nan", _area(circles=(Circle(Point(1, 1), math.nan),)), CIRCLE, "≥ 0"),
    ("centre", _area(circles=(Circle(Point(1, 200), 1),)), CIRCLE, "out of range"),
    ("altitude", _area(altitude=math.inf), "alert/info[1]/area[1]/altitude", "not a number"),
    ("ceiling alone", _area(ceiling=100.0), "alert/info[1]/area[1]/ceiling", "with altitude"),
    (
        "ceiling nan",
        _area(altitude=1.0, ceiling=math.nan),
        "alert/info[1]/area[1]/ceiling",
        "not a number",
    ),
]


def test_plain_alert_breaks_no_rule() -> None:
    """The base of the table is valid, so each row breaks exactly what it says."""
    assert validate(BASE) == []


@pytest.mark.parametrize(
    ("change", "where", "words"),
    [row[1:] for row in BROKEN],
    ids=[row[0] for row in BROKEN],
)
def test_rule_names_the_element(change: Callable[[Alert], Alert], where: str, words: str) -> None:
    """Breaking one rule gives exactly one problem, naming the element and what is wrong."""
    (problem,) = validate(change(BASE))
    assert problem.where == where
    assert words in problem.message


ALLOWED = [
    ("restricted", _alert(scope=Scope.RESTRICTED, restriction="coalition duty officers")),
    ("private", _alert(scope=Scope.PRIVATE, addresses="idf@tanbih.example")),
    ("update", _alert(msg_type=MsgType.UPDATE, references=_reference(OTHER_SENDER, "A-0", SENT))),
    ("no info", _alert(infos=())),
    ("language tags", _info(language="zh-Hant-TW")),
    ("altitude and ceiling", _area(altitude=100.0, ceiling=3000.0)),
    ("zero radius", _area(circles=(Circle(Point(-90, 180), 0.0),))),
    ("repeated corner", _area(polygons=_ring((0, 0), (0, 1), (0, 1), (1, 1), (0, 0)))),
    (
        "big ring",
        _area(
            polygons=_ring(
                *[(math.sin(k * math.pi / 10), math.cos(k * math.pi / 10)) for k in range(20)],
                (0, 1),
            )
        ),
    ),
    ("expiry at onset", _info(onset=INFO.expires)),
]


@pytest.mark.parametrize("change", [row[1] for row in ALLOWED], ids=[row[0] for row in ALLOWED])
def test_allowed_variants_pass(change: Callable[[Alert], Alert]) -> None:
    """What the rules allow (the other side of each rule) gives no problem."""
    assert validate(change(BASE)) == []


def test_all_problems_are_reported_together() -> None:
    """Several broken rules in one message are all reported, not only the first."""
    broken = replace(
        BASE,
        identifier="A 1",
        msg_type=MsgType.CANCEL,
        infos=(replace(INFO, language="?"), replace(INFO, categories=())),
    )
    assert {p.where for p in validate(broken)} == {
        "alert/identifier",
        "alert/references",
        "alert/info[1]/language",
        "alert/info[2]/category",
    }


def test_polygons_in_several_areas_are_each_named() -> None:
    """Self-intersection found by the batched check is reported at the right area and polygon."""
    good = AREA.polygons[0]
    bad = _ring((0, 0), (1, 1), (0, 1), (1, 0), (0, 0))[0]
    areas = (Area("a", polygons=(good, bad)), Area("b", polygons=(bad, good)))
    problems = validate(replace(BASE, infos=(replace(INFO, areas=areas),)))
    assert [p.where for p in problems] == [
        "alert/info[1]/area[1]/polygon[2]",
        "alert/info[1]/area[2]/polygon[1]",
    ]


def test_info_built_in_code_is_checked_like_parsed_info() -> None:
    """``validate`` takes any Alert, whether parsed or built by a pipeline stage."""
    built = Alert(
        identifier="X-1",
        sender="hub@tanbih.example",
        sent=SENT,
        status=BASE.status,
        msg_type=MsgType.ALERT,
        scope=Scope.PUBLIC,
        infos=(Info((), "Drone", INFO.urgency, INFO.severity, INFO.certainty),),
    )
    assert [p.where for p in validate(built)] == ["alert/info[1]/category"]

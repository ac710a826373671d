"""Which partners an alert's areas touch, on the demo coalition's real zones."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tanbih.coalition import load_coalition
from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.geo.area_owners import AreaOwners

DEMO = Path(__file__).resolve().parents[3] / "examples" / "coalition" / "coalition.yaml"


@pytest.fixture(scope="module")
def owners() -> AreaOwners:
    return AreaOwners(load_coalition(DEMO).zones)


def alert_over(*areas: Area) -> Alert:
    info = Info(
        categories=(Category.SECURITY,),
        event="UAV",
        urgency=Urgency.EXPECTED,
        severity=Severity.SEVERE,
        certainty=Certainty.LIKELY,
        areas=areas,
    )
    return Alert(
        "x",
        "s@example.org",
        datetime(2026, 11, 29, tzinfo=UTC),
        Status.EXERCISE,
        MsgType.ALERT,
        Scope.PUBLIC,
        infos=(info,),
    )


def square(lat: float, lon: float, half: float) -> Polygon:
    corners = [
        (lat - half, lon - half),
        (lat - half, lon + half),
        (lat + half, lon + half),
        (lat + half, lon - half),
        (lat - half, lon - half),
    ]
    return Polygon(tuple(Point(a, b) for a, b in corners))


def test_polygon_over_tel_aviv_touches_israel_only(owners: AreaOwners) -> None:
    """A small square over Tel Aviv belongs to Israel's zones and no one else's."""
    alert = alert_over(Area("Tel Aviv", polygons=(square(32.08, 34.78, 0.02),)))
    assert owners.partners(alert) == {"il"}


def test_circle_over_amman_touches_jordan(owners: AreaOwners) -> None:
    """A 10 km circle around Amman touches Jordan."""
    alert = alert_over(Area("Amman", circles=(Circle(Point(31.95, 35.93), 10.0),)))
    assert owners.partners(alert) == {"jo"}


def test_areas_naming_their_zone_and_areas_at_sea_touch_no_one_by_geometry(
    owners: AreaOwners,
) -> None:
    """Zone-named areas are left to the coalition; open sea belongs to no partner."""
    named = Area(
        "Haifa",
        polygons=(square(32.8, 35.0, 0.02),),
        geocodes=(NamedValue("tanbih:zone", "il-1"),),
    )
    at_sea = Area("Mediterranean", polygons=(square(34.0, 30.0, 0.2),))
    assert owners.partners(alert_over(named, at_sea)) == frozenset()
    assert owners.partners(alert_over()) == frozenset()

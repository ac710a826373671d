"""A real ADS-B track replayed as an unknown aircraft: the zones along its path are warned."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import shapely

from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert, ResponseType, Status
from tanbih.domain.coalition import Coalition
from tanbih.domain.observation import EndReport, Observation
from tanbih.domain.routing import ZONE_GEOCODE
from tanbih.domain.threat import ThreatClass
from tanbih.pipeline.offline import assess_offline

DEMO = Path(__file__).resolve().parents[3] / "examples" / "coalition" / "coalition.yaml"
KNOTS = 0.514444
FEET = 0.3048
# Report every 20 s over the last 40 minutes of the flight: the approach from over the sea.
EVERY_MS = 20_000
WINDOW_MS = 40 * 60 * 1000


@pytest.fixture(scope="module")
def coalition() -> Coalition:
    return load_coalition(DEMO)


@pytest.fixture(scope="module")
def track(shared_data: Path) -> list[dict[str, Any]]:
    """El Al 747 Rome → Tel Aviv, 2019-11-03 (traffic library sample, OpenSky ADS-B)."""
    path = shared_data / "tracks" / "traffic-samples" / "featured_elal747.json.gz"
    with gzip.open(path) as raw:
        points: list[dict[str, Any]] = json.load(raw)
    return points


def observations(points: list[dict[str, Any]]) -> list[Observation]:
    last = points[-1]["timestamp"]
    chosen, previous = [], None
    for point in points:
        if point["timestamp"] < last - WINDOW_MS:
            continue
        if previous is not None and point["timestamp"] - previous < EVERY_MS:
            continue
        previous = point["timestamp"]
        chosen.append(point)
    reports = []
    for n, point in enumerate(chosen):
        landed = point["groundspeed"] < 60
        reports.append(
            Observation(
                id=f"ely1747-{n}",
                partner_id="il",
                sensor_id="adsb-replay",
                time=datetime.fromtimestamp(point["timestamp"] / 1000, UTC),
                lat=point["latitude"],
                lon=point["longitude"],
                alt_m=max(point["altitude"] * FEET, 0.0),
                speed_mps=point["groundspeed"] * KNOTS,
                heading_deg=point["track"] % 360,
                threat_class=ThreatClass.UNKNOWN,
                confidence=0.8,
                status=Status.EXERCISE,
                track_id="738043",
                ended=EndReport.LANDED if landed else None,
            )
        )
        if landed:
            break
    return reports


def warned_zones(alerts: list[Alert]) -> set[str]:
    warning = {ResponseType.PREPARE, ResponseType.SHELTER}
    return {
        code.value
        for alert in alerts
        for info in alert.infos
        if warning & set(info.response_types)
        for area in info.areas
        for code in area.geocodes
        if code.value_name == ZONE_GEOCODE
    }


def zones_under(coalition: Coalition, points: list[dict[str, Any]]) -> set[str]:
    """The zones the aircraft actually flew over, airborne, in the replayed window."""
    zones = [z for z in coalition.zones if z.partner_id == "il"]
    outlines = [shapely.Polygon([(lon, lat) for lat, lon in z.rings[0]]) for z in zones]
    last = points[-1]["timestamp"]
    airborne = [
        shapely.Point(p["longitude"], p["latitude"])
        for p in points
        if p["timestamp"] >= last - WINDOW_MS and p["altitude"] > 0
    ]
    tree = shapely.STRtree(outlines)
    _, hits = tree.query(airborne, predicate="within")
    return {zones[i].id for i in set(hits.tolist())}


async def test_replayed_approach_warns_the_zones_under_its_path_and_none_behind_it(
    coalition: Coalition, track: list[dict[str, Any]]
) -> None:
    """Every zone the aircraft overflew was warned; none north of its south-east heading was
    (Haifa and the Galilee lie behind and beside it); the replay ends in all clear."""
    reports = observations(track)
    alerts = await assess_offline(coalition, reports)
    warned = warned_zones(alerts)
    overflown = zones_under(coalition, track)
    assert overflown, "the replayed window crosses Israeli zones"
    assert overflown <= warned
    zones = {z.id: z for z in coalition.zones}
    northern = {z for z in warned if min(lat for lat, _ in zones[z].rings[0]) > 32.7}
    assert northern == set()
    assert alerts[0].msg_type.value == "Alert"
    assert all(alert.status is Status.EXERCISE for alert in alerts)
    last = {r for info in alerts[-1].infos for r in info.response_types}
    assert last == {ResponseType.ALL_CLEAR}

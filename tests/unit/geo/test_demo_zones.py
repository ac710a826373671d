"""Against the demo coalition's 1,459 real zones, threats reach the zones a map says they would."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest
import shapely
from tests.conftest import REPO_ROOT
from tests.unit.geo.samples import NOW, state

from tanbih.coalition import load_coalition
from tanbih.domain.coalition import Zone
from tanbih.domain.threat import Impact, ThreatClass
from tanbih.geo import ZoneIndex, predict_exposures, prediction
from tanbih.geo.arrival import START, Legs, first_entries
from tanbih.geo.plane import Floats


@pytest.fixture(scope="module")
def index() -> ZoneIndex:
    """The demo coalition's zones, loaded and indexed once for this module."""
    return ZoneIndex(load_coalition(REPO_ROOT / "examples" / "coalition" / "coalition.yaml").zones)


def english(index: ZoneIndex) -> dict[str, Zone]:
    """The demo's zones by id."""
    return {zone.id: zone for zone in index.zones}


def test_the_index_holds_every_partners_zones(index: ZoneIndex) -> None:
    """1,449 Home Front Command areas and ten parts of the other partners' territories."""
    partners = [zone.partner_id for zone in index.zones]
    assert len(partners) == 1_459
    assert partners.count("il") == 1_449
    assert set(index.part_zone.tolist()) == set(range(1_459))


def test_a_drone_off_haifa_flying_east_reaches_haifa_first(index: ZoneIndex) -> None:
    """A UAV 20 km west of Haifa at 50 m/s: the first four zones are Haifa's, in five to seven
    minutes, then the Haifa Bay towns; all Israeli."""
    found = predict_exposures(
        state(32.81, 34.75, 50.0, 90.0), ThreatClass.UAV, None, index, horizon_s=900, now=NOW
    )
    zones = english(index)
    names = [zones[e.zone_id].name("en") for e in found]
    assert all(name.startswith("Haifa") for name in names[:4])
    assert {"Nesher", "Kiryat Atta"} <= set(names)
    assert timedelta(minutes=5) < found[0].eta - NOW < timedelta(minutes=6)
    assert {e.partner_id for e in found} == {"il"}
    assert [e.eta for e in found] == sorted(e.eta for e in found)


def test_a_ballistic_missile_on_tel_aviv_warns_the_zones_around_its_impact(
    index: ZoneIndex,
) -> None:
    """Impact in central Tel Aviv, radius 2 km: the city's zones and neighbours, at impact time."""
    impact = Impact(32.08, 34.78, 2_000.0, NOW + timedelta(seconds=80))
    found = predict_exposures(
        state(32.0, 36.5, 2_000.0, 270.0),
        ThreatClass.BALLISTIC_MISSILE,
        impact,
        index,
        horizon_s=900,
        now=NOW,
    )
    names = {english(index)[e.zone_id].name("en") for e in found}
    assert {"Tel Aviv - City Center", "Givatayim", "Ramat Gan - West"} <= names
    assert {e.zone_id for e in found} == {
        index.zones[i].id for i in index.zones_within(32.08, 34.78, 2_000.0)
    }
    assert {e.eta for e in found} == {NOW + timedelta(seconds=80)}


def test_a_drone_over_the_saudi_desert_is_already_over_saudi_territory(index: ZoneIndex) -> None:
    """A UAV in central Arabia is inside Saudi Arabia's zone now, and nowhere else in 15 min."""
    found = predict_exposures(
        state(24.0, 45.0, 50.0, 0.0), ThreatClass.UAV, None, index, horizon_s=900, now=NOW
    )
    assert [(e.zone_id, e.eta) for e in found] == [("sa-territory.1", NOW)]


def test_the_compiled_corridor_pass_is_an_r_tree_query_and_each_pair_solved_alone(
    index: ZoneIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cruise missile across Israel, and 150 threats of every class around it, give the same
    exposures, bit for bit, with the (leg, part) pairs found by shapely's R-tree over the
    legs' boxes and each pair solved on its own, lowering each zone to its earliest."""
    tree = shapely.STRtree(index.parts)

    def reference(legs: Legs, boxes: Floats, *table: Any) -> None:
        circles, edges, first_edge, count, part_zone, reached, earliest = table
        leg, part = tree.query(shapely.box(*legs.boxes()))
        for i in range(leg.size):
            one_pair = (legs, leg[i : i + 1], part[i : i + 1], circles, edges, first_edge, count)
            entry = first_entries(*one_pair, reached)[0]
            reached[part[i]] |= entry < np.inf
            zone = part_zone[part[i]]
            earliest[zone] = min(earliest[zone], legs.table[leg[i], START] + entry)

    rng = np.random.default_rng(11)
    threats = [(state(32.3, 34.2, 250.0, 100.0), ThreatClass.CRUISE_MISSILE)]
    for _ in range(150):
        kind, speed = [(ThreatClass.UAV, 50.0), (ThreatClass.CRUISE_MISSILE, 250.0)][
            int(rng.integers(2))
        ]
        where = rng.uniform((29.5, 34.0), (33.5, 36.0))
        threats.append((state(*where, speed, rng.uniform(0, 360)), kind))
    found: dict[str, list[Any]] = {}
    for way, solve in (("compiled", prediction.lower_to_entries), ("each alone", reference)):
        monkeypatch.setattr(prediction, "lower_to_entries", solve)
        found[way] = [
            predict_exposures(kinematics, kind, None, index, horizon_s=900, now=NOW)
            for kinematics, kind in threats
        ]
    assert len(found["compiled"][0]) > 100
    assert sum(map(len, found["compiled"])) > 2_000
    assert found["each alone"] == found["compiled"]


def test_parts_within_reach_are_those_shapely_finds(index: ZoneIndex) -> None:
    """On 2,000 random points and reaches, half of them near zone outlines, the compiled
    search finds the parts shapely's R-tree finds within reach or containing the point."""
    rng = np.random.default_rng(5)
    tree = shapely.STRtree(index.parts)
    xmin, ymin, xmax, ymax = shapely.total_bounds(index.parts)
    found = inside = 0
    for n in range(2_000):
        x, y = rng.uniform(xmin, xmax), rng.uniform(ymin, ymax)
        if n % 2:
            x, y = index.edges[rng.integers(len(index.edges)), :2] + rng.normal(0, 300, 2)
        reach = float(rng.choice([0.0, rng.uniform(0, 500), rng.uniform(0, 30_000)]))
        expected = tree.query(shapely.points(x, y), predicate="dwithin", distance=reach)
        assert sorted(index.parts_within(x, y, reach).tolist()) == sorted(expected.tolist())
        found += expected.size
        inside += reach == 0 and expected.size > 0
    assert found > 20_000
    assert inside > 100

"""The assess stage on the real demo zones: observations become staged, accepted CAP warnings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tanbih.adapters.memory_store import MemoryStore
from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert, MsgType, ResponseType, Status
from tanbih.domain.coalition import Coalition
from tanbih.domain.expiry import NOT_SEEN_TIMEOUT, BoundingBox
from tanbih.domain.issuance import IssuancePolicy
from tanbih.domain.lifecycle import Stage
from tanbih.domain.observation import Observation
from tanbih.domain.records import AlertQuery
from tanbih.domain.threat import ThreatClass
from tanbih.errors import StoreError
from tanbih.geo.geodesy import WgsGeodesy
from tanbih.geo.zone_index import ZoneIndex
from tanbih.pipeline.accept import AcceptAlert, Accepted
from tanbih.pipeline.assess import Assessor

DEMO = Path(__file__).resolve().parents[3] / "examples" / "coalition" / "coalition.yaml"
T0 = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def coalition() -> Coalition:
    return load_coalition(DEMO)


@pytest.fixture(scope="module")
def index(coalition: Coalition) -> ZoneIndex:
    return ZoneIndex(coalition.zones)


class Clock:
    def __init__(self) -> None:
        self.at = T0

    def now(self) -> datetime:
        return self.at


class Node:
    """The assessor wired to a real accept stage over the in-memory store."""

    def __init__(self, coalition: Coalition, index: ZoneIndex) -> None:
        self.clock = Clock()
        self.store = MemoryStore()
        self.accept = AcceptAlert(self.store, self.clock)
        self.published: list[Alert] = []
        # Publication waits for ``opened`` (the store being slow) and raises while ``down``.
        self.opened = asyncio.Event()
        self.opened.set()
        self.down = False
        self.coordinator = coalition.partner(coalition.node.partner_id)
        ids = iter(f"t{n}" for n in range(100))
        self.assessor = Assessor(
            zones={z.id: z for z in coalition.zones},
            index=index,
            geodesy=WgsGeodesy(),
            policy=IssuancePolicy(sender=coalition.node.sender),
            publish=self.publish,
            region=BoundingBox(south=10, west=25, north=42, east=65),
            make_id=lambda: next(ids),
        )

    async def publish(self, alert: Alert) -> None:
        assert self.coordinator is not None
        await self.opened.wait()
        if self.down:
            raise StoreError("the store is unreachable")
        outcome = await self.accept(alert, b"<alert/>", self.coordinator)
        assert isinstance(outcome, Accepted), outcome
        self.published.append(alert)

    async def observe(self, seconds: float, **fields: object) -> tuple[Alert, ...]:
        self.clock.at = T0 + timedelta(seconds=seconds)
        values: dict[str, object] = {
            "id": f"obs-{seconds}",
            "partner_id": "il",
            "sensor_id": "radar-1",
            "time": self.clock.at,
            "alt_m": 300.0,
            "threat_class": ThreatClass.UAV,
            "confidence": 0.9,
            "status": Status.EXERCISE,
            "track_id": "il-7",
            **fields,
        }
        obs = Observation(**values)  # type: ignore[arg-type]
        return (await self.assessor.observe(obs, self.clock.at)).issued

    async def review(self, seconds: float) -> tuple[Alert, ...]:
        self.clock.at = T0 + timedelta(seconds=seconds)
        return await self.assessor.review(self.clock.at)


def responses(alert: Alert) -> set[ResponseType]:
    return {r for info in alert.infos for r in info.response_types}


def zone_ids(alert: Alert, response: ResponseType) -> set[str]:
    return {
        geocode.value
        for info in alert.infos
        if response in info.response_types
        for area in info.areas
        for geocode in area.geocodes
        if geocode.value_name == "tanbih:zone"
    }


async def fly(
    node: Node, start: tuple[float, float], heading: float, speed: float, seconds: range
) -> list[Alert]:
    """Report a straight flight every step of ``seconds``, reviewing whatever comes due between."""
    geodesy = WgsGeodesy()
    issued: list[Alert] = []
    for at in seconds:
        due = node.assessor.next_review()
        if due is not None and due <= T0 + timedelta(seconds=at):
            issued.extend(await node.review((due - T0).total_seconds()))
        lat, lon = geodesy.forward(start[0], start[1], heading, speed * at)
        issued.extend(
            await node.observe(at, lat=lat, lon=lon, speed_mps=speed, heading_deg=heading)
        )
    return issued


async def test_uav_from_the_sea_is_warned_then_sheltered_then_cleared(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """A UAV heading for Haifa gets an early warning, shelter Updates when due, and all clear."""
    node = Node(coalition, index)
    issued = await fly(node, (32.80, 34.70), 90.0, 50.0, range(0, 420, 20))
    alert = issued[0]
    assert alert.msg_type is MsgType.ALERT
    assert alert.status is Status.EXERCISE
    assert responses(alert) == {ResponseType.PREPARE}
    warned = zone_ids(alert, ResponseType.PREPARE)
    assert warned
    assert all(z.startswith("il-") for z in warned)
    languages = {info.language.split("-")[0] for info in alert.infos}
    assert {"ar", "he", "en"} <= languages
    sheltered = [a for a in issued if ResponseType.SHELTER in responses(a)]
    assert sheltered, "no zone was told to take shelter"
    assert all(a.msg_type is MsgType.UPDATE for a in issued[1:])
    assert sheltered[0].references[0] == alert.key

    turned = await node.observe(425, lat=32.80, lon=34.92, speed_mps=50.0, heading_deg=270.0)
    assert len(turned) == 1
    assert ResponseType.ALL_CLEAR in responses(turned[0])
    assert responses(turned[0]) == {ResponseType.ALL_CLEAR}
    node.clock.at = T0 + timedelta(minutes=10)
    assert await node.assessor.review(node.clock.at) == ()
    assert node.assessor.tracked == ()
    [latest, *_] = await node.store.search(AlertQuery())
    threads = await node.store.threads({latest.thread_id})
    assert next(iter(threads.values())).stage is Stage.ALL_CLEAR


async def test_two_partners_reporting_one_drone_make_one_threat(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """Reports of the same drone from Israel and Jordan fuse into one threat and one event."""
    node = Node(coalition, index)
    await node.observe(0, lat=32.80, lon=34.55, speed_mps=50.0, heading_deg=90.0)
    await node.observe(
        2,
        lat=32.8002,
        lon=34.5512,
        speed_mps=49.0,
        heading_deg=91.0,
        partner_id="jo",
        track_id="jo-55",
        id="jo-obs-1",
    )
    [tracked] = node.assessor.tracked
    assert [a.msg_type for a in node.published].count(MsgType.ALERT) == 1
    assert set(tracked.threat.sources) == {"il", "jo"}


async def test_resent_observation_is_dropped(coalition: Coalition, index: ZoneIndex) -> None:
    """The same report id from the same partner is assessed once."""
    node = Node(coalition, index)
    await node.observe(0, lat=32.80, lon=34.55, speed_mps=50.0, heading_deg=90.0)
    node.clock.at = T0 + timedelta(seconds=1)
    obs = Observation(
        id="obs-0",
        partner_id="il",
        sensor_id="radar-1",
        time=T0,
        lat=32.80,
        lon=34.55,
        alt_m=300.0,
        speed_mps=50.0,
        heading_deg=90.0,
        threat_class=ThreatClass.UAV,
        confidence=0.9,
        status=Status.EXERCISE,
        track_id="il-7",
    )
    assert (await node.assessor.observe(obs, node.clock.at)).duplicate


async def test_a_report_that_issues_nothing_does_not_wait_for_others_being_stored(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """While one report's warning is being stored, reports that change nothing are assessed
    and answered; the warning's own report returns once it is stored."""
    node = Node(coalition, index)
    node.opened.clear()
    first = asyncio.create_task(
        node.observe(0, lat=32.80, lon=34.55, speed_mps=50.0, heading_deg=90.0)
    )
    await asyncio.sleep(0)
    assert not first.done()
    # The same drone 2 s on, where the prediction put it: nothing to issue.
    lat, lon = WgsGeodesy().forward(32.80, 34.55, 90.0, 100.0)
    quiet = await asyncio.wait_for(
        node.observe(2, lat=lat, lon=lon, speed_mps=50.0, heading_deg=90.0), 5
    )
    assert quiet == ()
    assert not first.done()
    assert node.published == []
    node.opened.set()
    [alert] = await asyncio.wait_for(first, 5)
    assert node.published == [alert]


async def test_a_warning_not_stored_is_published_again_before_later_ones(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """A warning whose publication failed is kept, and goes out first when the store is back."""
    node = Node(coalition, index)
    node.down = True
    with pytest.raises(StoreError):
        await node.observe(0, lat=32.80, lon=34.55, speed_mps=50.0, heading_deg=90.0)
    assert node.published == []
    node.down = False
    # The drone turns back: its early warnings are cleared.
    later = await node.observe(30, lat=32.80, lon=34.57, speed_mps=50.0, heading_deg=270.0)
    [first, second] = node.published
    assert later == (second,)
    assert first.msg_type is MsgType.ALERT
    assert second.msg_type is MsgType.UPDATE
    assert second.references == (first.key,)


async def test_a_drone_lost_from_sight_is_cleared_when_its_time_runs_out(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """A drone hovering over Haifa puts every zone near it in shelter at once: nothing else
    comes due, yet the review still comes when the drone, unseen, is presumed gone."""
    node = Node(coalition, index)
    [alert] = await node.observe(0, lat=32.80, lon=35.00, speed_mps=0.0, heading_deg=0.0)
    assert responses(alert) == {ResponseType.SHELTER}
    sheltered = zone_ids(alert, ResponseType.SHELTER)
    lost_at = T0 + NOT_SEEN_TIMEOUT[ThreatClass.UAV]
    assert node.assessor.next_review() == lost_at
    [cleared] = await node.review((lost_at - T0).total_seconds())
    assert responses(cleared) == {ResponseType.ALL_CLEAR}
    assert zone_ids(cleared, ResponseType.ALL_CLEAR) == sheltered
    assert node.assessor.next_review() is None


async def test_a_report_after_its_threats_lost_time_ends_it_at_the_next_review(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """A report that arrives after its drone would be presumed gone schedules nothing (later
    reports of a replayed batch may still come): the next review ends it, though no time of
    its own came."""
    node = Node(coalition, index)
    late = NOT_SEEN_TIMEOUT[ThreatClass.UAV].total_seconds() + 80
    # Far out at sea, hovering: no zone within reach, so no time of its own comes due.
    issued = await node.observe(late, time=T0, lat=33.5, lon=33.0, speed_mps=0.0, heading_deg=0.0)
    assert issued == ()
    assert len(node.assessor.tracked) == 1
    assert node.assessor.next_review() is None
    assert await node.review(late + 1) == ()
    assert node.assessor.tracked == ()


async def test_a_threat_flying_out_of_the_region_ends_at_the_next_review(
    coalition: Coalition, index: ZoneIndex
) -> None:
    """Outside the covered region and flying away, a threat can reach no zone: the next review
    ends it, whenever its own times come."""
    node = Node(coalition, index)
    assert await node.observe(0, lat=45.0, lon=20.0, speed_mps=50.0, heading_deg=315.0) == ()
    [tracked] = node.assessor.tracked
    assert tracked.threat.is_live
    assert await node.review(1) == ()
    assert node.assessor.tracked == ()

"""The observation log on every backend: kept as received, resends recognised."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from tanbih.domain.cap import Status
from tanbih.domain.observation import Observation
from tanbih.domain.records import ObservationOutcome
from tanbih.domain.threat import Impact, ThreatClass
from tanbih.ports import NodeStore

T0 = datetime(2026, 11, 29, 18, 0, tzinfo=UTC)
REPORT = Observation(
    id="r1",
    partner_id="il",
    sensor_id="radar",
    time=T0,
    lat=32.8,
    lon=34.7,
    alt_m=300.0,
    speed_mps=50.0,
    heading_deg=90.0,
    threat_class=ThreatClass.BALLISTIC_MISSILE,
    confidence=0.9,
    status=Status.EXERCISE,
    impact=Impact(32.1, 34.8, 2_000.0, T0 + timedelta(minutes=5)),
)


async def test_reports_are_kept_and_resends_recognised(store: NodeStore) -> None:
    """A batch is kept once; the same (partner, id) again, or twice in one batch, is not new."""
    other = replace(REPORT, id="r2")
    same_id_other_partner = replace(REPORT, partner_id="jo")
    first = await store.record_observations([REPORT, other, REPORT], T0)
    assert first == [True, True, False]
    again = await store.record_observations(
        [REPORT, same_id_other_partner], T0 + timedelta(seconds=1)
    )
    assert again == [False, True]
    assert await store.observation_count() == 3


@pytest.mark.parametrize("reports", [[]])
async def test_an_empty_batch_writes_nothing(store: NodeStore, reports: list[Observation]) -> None:
    """Nothing to keep is not an error."""
    assert await store.record_observations(reports, T0) == []
    assert await store.observation_count() == 0


async def test_the_log_is_read_back_in_the_order_kept_and_whole(store: NodeStore) -> None:
    """Reports come back numbered in the order kept, the same as posted, page by page."""
    batch = [replace(REPORT, id=f"r{n}") for n in range(5)]
    await store.record_observations(batch[:3], T0)
    await store.record_observations([batch[1], *batch[3:]], T0 + timedelta(seconds=2))
    logged = await store.observations_after(0)
    assert [e.seq for e in logged] == [1, 2, 3, 4, 5]
    assert [e.observation for e in logged] == batch
    assert [e.received_at for e in logged] == [T0] * 3 + [T0 + timedelta(seconds=2)] * 2
    assert [e.seq for e in await store.observations_after(2, limit=2)] == [3, 4]
    assert await store.observation_head() == 5
    assert await store.first_observation_since(T0 + timedelta(seconds=1)) == 4
    assert await store.first_observation_since(T0 + timedelta(seconds=3)) is None


async def test_outcomes_are_kept_beside_their_reports(store: NodeStore) -> None:
    """What the assessment made of a report is read back by (partner, id); the newest report
    with an outcome is where an assessor taking over starts."""
    await store.record_observations([REPORT, replace(REPORT, id="r2")], T0)
    assert await store.last_assessed() == 0
    outcome = ObservationOutcome("t1", "new", ("a1",))
    await store.save_outcomes([(1, outcome)])
    assert await store.last_assessed() == 1
    found = await store.observation_outcomes([("il", "r1"), ("il", "r2")])
    assert found == {("il", "r1"): outcome}


async def test_a_readers_place_only_moves_forward(store: NodeStore) -> None:
    """A reader's saved place is read back; saving an earlier one leaves it where it was."""
    assert await store.cursor("federation") is None
    await store.advance_cursor("federation", 0)
    assert await store.cursor("federation") == 0
    await store.advance_cursor("federation", 7)
    await store.advance_cursor("federation", 3)
    assert await store.cursor("federation") == 7
    assert await store.cursor("another") is None


async def test_the_kept_threat_picture_is_the_last_one_saved(store: NodeStore) -> None:
    """The assessing worker's picture for the other workers: none at first, then the newest."""
    assert await store.picture() is None
    await store.save_picture('{"at": "first"}')
    await store.save_picture('{"at": "second"}')
    assert await store.picture() == '{"at": "second"}'

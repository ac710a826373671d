"""Observations in, threats and warnings out, through the real API and store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.integration.api.conftest import Api

pytestmark = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


def report(**changes: Any) -> dict[str, Any]:
    """A UAV over the sea west of Haifa heading east, as a sensor would post it."""
    body: dict[str, Any] = {
        "id": "r-1",
        "sensor": "coastal-radar-3",
        "time": datetime.now(UTC).isoformat(),
        "position": {"lat": 32.80, "lon": 34.75, "altM": 300},
        "velocity": {"speedMps": 50, "headingDeg": 90},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": "il-trk-7",
    }
    body.update(changes)
    return body


async def test_observation_becomes_a_threat_and_an_early_warning(api: Api) -> None:
    """A posted report is fused into a new threat whose early warning is stored as CAP."""
    response = await api.client.post("/api/v1/observations", json=report(), headers=api.auth("il"))
    assert response.status_code == 200, response.text
    [result] = response.json()
    assert result["association"] == "new"
    assert len(result["issued"]) == 1
    alert = (
        await api.client.get(f"/api/v1/alerts/{result['issued'][0]}", headers=api.auth("il"))
    ).json()
    assert alert["msgType"] == "Alert"
    assert alert["status"] == "Exercise"
    assert alert["sender"] == api.coalition.node.sender
    infos = alert["cap"]["info"]
    assert {"Prepare"} == {r for info in infos for r in info["responseType"]}

    threats = (await api.client.get("/api/v1/threats", headers=api.auth("jo"))).json()
    [threat] = threats
    assert threat["id"] == result["threat"]
    assert threat["class"] == "uav"
    assert threat["sources"] == ["il"]
    assert threat["zones"]
    assert {z["stage"] for z in threat["zones"]} == {"early_warning"}
    assert all(z["partner"] == "il" for z in threat["zones"])
    assert len(threat["path"]) > 2
    assert threat["path"][0]["lon"] < threat["path"][-1]["lon"]


async def test_a_batch_from_two_partners_fuses_into_one_threat(api: Api) -> None:
    """Jordan's report of the same drone joins Israel's threat; a resend is kept once."""
    await api.client.post("/api/v1/observations", json=report(), headers=api.auth("il"))
    jordan = report(id="jo-1", trackId="jo-trk-2", position={"lat": 32.8003, "lon": 34.7504})
    batch = [jordan, jordan]
    response = await api.client.post("/api/v1/observations", json=batch, headers=api.auth("jo"))
    assert response.status_code == 200, response.text
    first, again = response.json()
    assert first["association"] in {"gate", "track_id"}
    assert again["association"] == "duplicate"
    [threat] = (await api.client.get("/api/v1/threats", headers=api.auth("il"))).json()
    assert threat["sources"] == ["il", "jo"]
    assert await api.node.store.observation_count() == 2


@pytest.mark.parametrize(
    ("body", "where", "words"),
    [
        ([report(), report(id="r-2", position={"lat": 95, "lon": 34.7})], "[1].lat", "90"),
        (report(time="2026-11-29T18:00:00"), "time", "timezone"),
        (
            report(velocity={"speedMps": 50, "headingDeg": 90, "eastMps": 1, "northMps": 1}),
            "velocity",
            "either",
        ),
        (report(velocity={"speedMps": 900, "headingDeg": 90}), "speed", "uav"),
        (report(time=(datetime.now(UTC) + timedelta(days=1)).isoformat()), "time", "future"),
        (report(**{"class": "balloon"}), "class", "uav"),
        (report(confidence=False), "confidence", "number"),
    ],
)
async def test_invalid_reports_are_refused_naming_the_field_and_nothing_is_assessed(
    api: Api, body: Any, where: str, words: str
) -> None:
    """A bad report gets 422 naming the field and why; none of its batch is assessed."""
    response = await api.client.post("/api/v1/observations", json=body, headers=api.auth("il"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["type"] == "urn:tanbih:problem:invalid-observation"
    assert any(where in e["where"] and words in e["message"].lower() for e in problem["errors"]), (
        problem["errors"]
    )
    assert (await api.client.get("/api/v1/threats", headers=api.auth("il"))).json() == []
    assert await api.node.store.observation_count() == 0


async def test_reports_need_a_token(api: Api) -> None:
    """Posting a report without a partner token is refused with 401."""
    response = await api.client.post("/api/v1/observations", json=report())
    assert response.status_code == 401

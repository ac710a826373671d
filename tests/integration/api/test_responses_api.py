"""``/api/v1/responses`` over a real app and store: answers, timeouts, the coordinator's
override, capabilities switched at run time, and the problems bad input gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.integration.api.conftest import DEMO
from tests.integration.api.response_samples import (
    consoles,
    delivered,
    drone_over_jordan,
    next_event,
    notice,
    request_id,
)

from tanbih.adapters.console_stream import ConsoleFeed
from tanbih.api.app import create_app
from tanbih.demo import read_tokens
from tanbih.node import Node
from tanbih.settings import Settings

# The demo agreement's exercise rule gives an asked partner this long to answer.
EXERCISE_TIMEOUT = timedelta(seconds=120)


def in_jordans_day_watch() -> datetime:
    """The latest 09:00 UTC (12:00 in Amman): the demo roster's day watch, whose duty officer
    is jo-duty and deputy jo-deputy; at night the two swap, so the hour must not be the run's."""
    now = datetime.now(UTC)
    nine = now.replace(hour=9, minute=0, second=0, microsecond=0)
    return nine if nine <= now else nine - timedelta(days=1)


class StepClock:
    """A clock that stands still until the test moves it."""

    def __init__(self, start: datetime) -> None:
        self.at = start

    def now(self) -> datetime:
        """The clock's time."""
        return self.at


@dataclass
class Hub:
    """The node, its clock, an HTTP client and every partner's console feed."""

    node: Node
    clock: StepClock
    client: httpx.AsyncClient
    tokens: dict[str, str]
    feeds: dict[str, ConsoleFeed]

    def auth(self, partner_id: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[partner_id]}"}

    async def post(self, path: str, partner_id: str, body: Any = None) -> httpx.Response:
        return await self.client.post(path, json=body, headers=self.auth(partner_id))

    async def warn_of_a_drone(self) -> str:
        """Post Israel's report of a drone over Jordan; the threat id, once Jordan is asked."""
        posted = await self.post("/api/v1/observations", "il", drone_over_jordan(self.clock.now()))
        assert posted.status_code == 200, posted.text
        threat: str = posted.json()[0]["threat"]
        await next_event(self.feeds["jo"], delivered(request_id(self.node, threat, 1)))
        return threat

    async def case(self, threat: str, partner_id: str = "coord") -> dict[str, Any]:
        response = await self.client.get(
            f"/api/v1/responses/{threat}", headers=self.auth(partner_id)
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture
async def hub(store_url: str, tmp_path: Path) -> AsyncIterator[Hub]:
    clock = StepClock(in_jordans_day_watch())
    settings = Settings(
        coalition_file=DEMO / "coalition.yaml", data_dir=tmp_path, database_url=store_url
    )
    app = create_app(settings, clock)
    async with app.router.lifespan_context(app):
        node: Node = app.state.node
        transport = httpx.ASGITransport(app=app)
        async with (
            httpx.AsyncClient(transport=transport, base_url="http://node") as client,
            consoles(node) as feeds,
        ):
            yield Hub(node, clock, client, read_tokens(DEMO / "demo-tokens.env"), feeds)


def kinds(events: list[Any]) -> list[str]:
    return [
        e.kind for e in events if e.kind.startswith("response.") and e.kind != "response.notice"
    ]


async def test_an_unanswered_request_times_out_to_the_next_candidate(hub: Hub) -> None:
    """Past the rule's timeout, Jordan's silence moves the request on to Saudi Arabia."""
    threat = await hub.warn_of_a_drone()
    hub.clock.at += EXERCISE_TIMEOUT - timedelta(seconds=1)
    assert await hub.node.responder.time_out_due(hub.clock.now()) == 0
    hub.clock.at += timedelta(seconds=1)
    await hub.node.responder.time_out_due(hub.clock.now())
    case = await hub.case(threat)
    assert case["request"]["partner"] == "sa"
    assert case["history"][-1]["rule"] == "timed_out_ask_next"
    await next_event(hub.feeds["sa"], delivered(request_id(hub.node, threat, 2)))
    assert kinds(await hub.node.store.events(limit=10_000)) == [
        "response.requested",
        "response.timed_out",
    ]


async def test_the_coordinator_alone_reassigns(hub: Hub) -> None:
    """A partner's reassign is forbidden; the coordinator's asks Egypt at once, audited."""
    threat = await hub.warn_of_a_drone()
    path = f"/api/v1/responses/{threat}/reassign"
    refused = await hub.post(path, "jo", {"partner": "eg"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    never = await hub.post(path, "coord", {"partner": "ae"})
    assert never.status_code == 422
    assert "never responds" in never.json()["detail"]

    reassigned = await hub.post(path, "coord", {"partner": "eg"})
    assert reassigned.status_code == 200, reassigned.text
    assert reassigned.json()["request"]["partner"] == "eg"
    await next_event(hub.feeds["eg"], delivered(request_id(hub.node, threat, 2)))
    overridden = [
        e for e in await hub.node.store.events(limit=10_000) if e.kind == "response.overridden"
    ]
    assert [(e.partner_id, e.data["asked"]) for e in overridden] == [("jo", "eg")]
    # Jordan's request stops escalating; Jordan may no longer answer it.
    late = await hub.post(f"/api/v1/responses/{threat}/accept", "jo")
    assert late.status_code == 403


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"reason": "bored"}, "body.reason"),
        ({}, "body.reason"),
        ({"reason": "other", "note": "x" * 501}, "body.note"),
        ({"reason": "other", "why": "extra"}, "body.why"),
    ],
)
@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_bad_decline_is_refused_naming_the_field(
    hub: Hub, body: dict[str, Any], where: str
) -> None:
    """A decline without a known reason, or with a note too long, is a 422 that says where."""
    threat = await hub.warn_of_a_drone()
    refused = await hub.post(f"/api/v1/responses/{threat}/decline", "jo", body)
    assert refused.status_code == 422
    assert where in {e["where"] for e in refused.json()["errors"]}
    assert (await hub.case(threat))["request"]["partner"] == "jo"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_answers_out_of_turn_are_refused(hub: Hub) -> None:
    """Unknown threats are 404; a second answer is 409; no token is 401."""
    missing = await hub.post("/api/v1/responses/t-nope/accept", "jo")
    assert missing.status_code == 404
    assert missing.json()["type"] == "urn:tanbih:problem:not-found"
    threat = await hub.warn_of_a_drone()
    assert (await hub.client.post(f"/api/v1/responses/{threat}/accept")).status_code == 401
    assert (await hub.post(f"/api/v1/responses/{threat}/accept", "jo")).status_code == 200
    again = await hub.post(f"/api/v1/responses/{threat}/accept", "jo")
    assert again.status_code == 409
    assert again.json()["type"] == "urn:tanbih:problem:not-awaiting-answer"


async def test_a_capability_switched_off_is_kept_audited_and_ranked_after(hub: Hub) -> None:
    """Jordan switches its fighters off: stored, audited, and Saudi Arabia is asked first."""
    url = "/api/v1/responses/capabilities/jo/fighters"
    switched = await hub.client.put(url, json={"available": False}, headers=hub.auth("jo"))
    assert switched.status_code == 200, switched.text
    assert switched.json()["available"] is False
    listed = await hub.client.get("/api/v1/responses/capabilities", headers=hub.auth("jo"))
    assert {(c["name"], c["available"]) for c in listed.json()} == {
        ("fighters", False),
        ("air_defence", False),
    }
    assert await hub.node.store.availability() == {("jo", "fighters"): False}
    [entry] = [
        e
        for e in await hub.node.store.events(limit=10_000)
        if e.kind == "response.availability_changed"
    ]
    assert (entry.subject, entry.data["available"], entry.data["by"]) == (
        "jo/fighters",
        False,
        "jo",
    )

    others = await hub.client.put(
        "/api/v1/responses/capabilities/sa/fighters",
        json={"available": False},
        headers=hub.auth("jo"),
    )
    assert others.status_code == 403
    unknown = await hub.client.put(
        "/api/v1/responses/capabilities/jo/carriers",
        json={"available": True},
        headers=hub.auth("jo"),
    )
    assert unknown.status_code == 404
    not_bool = await hub.client.put(url, json={"available": "no"}, headers=hub.auth("jo"))
    assert not_bool.status_code == 422

    posted = await hub.post("/api/v1/observations", "il", drone_over_jordan(hub.clock.now()))
    threat = posted.json()[0]["threat"]
    await next_event(hub.feeds["sa"], delivered(request_id(hub.node, threat, 1)))
    assert (await hub.case(threat))["request"]["partner"] == "sa"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_threat_that_ends_stands_its_response_down(hub: Hub) -> None:
    """Lost from sight, the threat's all clear stands the case down; partners are told."""
    threat = await hub.warn_of_a_drone()
    accepted = await hub.post(f"/api/v1/responses/{threat}/accept", "jo")
    assert accepted.status_code == 200, accepted.text
    await next_event(hub.feeds["eg"], notice)

    hub.clock.at += timedelta(minutes=5)  # a drone unseen this long is lost
    await hub.node.assessor.review(hub.clock.now())
    told = await next_event(hub.feeds["eg"], notice)
    assert (told.data["state"], told.data["responder"]) == ("stood_down", "jo")
    case = await hub.case(threat)
    assert case["state"] == "stood_down"
    assert case["history"][-1]["rule"] == "stand_down"
    assert kinds(await hub.node.store.events(limit=10_000))[-1] == "response.stood_down"


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_an_unanswered_request_escalates_by_the_partners_policy(hub: Hub) -> None:
    """At 45 s Jordan's deputy gets the request on the console; an answer stops the steps."""
    threat = await hub.warn_of_a_drone()
    request = request_id(hub.node, threat, 1)
    hub.clock.at += timedelta(seconds=46)
    hub.node.wakers.escalate.set()
    escalated = await next_event(
        hub.feeds["jo"], lambda e: delivered(request)(e) and e.data["step"] == 2
    )
    assert escalated.data["contact"] == "jo-deputy"
    record = await hub.node.store.get(request)
    assert record is not None
    [timer] = await hub.node.store.timers(record.thread_id)
    assert (timer.partner_id, timer.stopped_at) == ("jo", None)

    declined = await hub.post(f"/api/v1/responses/{threat}/decline", "jo", {"reason": "other"})
    assert declined.status_code == 200, declined.text
    [timer] = await hub.node.store.timers(record.thread_id)
    assert timer.stopped_at == hub.clock.now()


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_a_request_to_respond_is_read_by_the_partner_asked_alone(hub: Hub) -> None:
    """The private request is Jordan's (and its poster's) to read; Egypt neither lists nor
    reads it, so its console never shows another partner's request."""
    threat = await hub.warn_of_a_drone()
    request = request_id(hub.node, threat, 1)
    for partner_id, status in (("jo", 200), ("coord", 200), ("eg", 404), ("sa", 404)):
        read = await hub.client.get(f"/api/v1/alerts/{request}", headers=hub.auth(partner_id))
        assert read.status_code == status, partner_id
    listed = await hub.client.get("/api/v1/alerts", headers=hub.auth("eg"))
    assert request not in {summary["id"] for summary in listed.json()}
    assert listed.json()  # Egypt does list the warning itself


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_openapi_documents_the_responses_api(hub: Hub) -> None:
    """Each answer documents its problems; a decline's reasons are listed."""
    spec = (await hub.client.get("/openapi.json")).json()
    decline = spec["paths"]["/api/v1/responses/{threat_id}/decline"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(decline["responses"])
    problem = decline["responses"]["409"]["content"]["application/problem+json"]
    assert problem["schema"]["required"] == ["type", "title", "status", "detail"]
    reasons = spec["components"]["schemas"]["DeclineReason"]["enum"]
    assert reasons == ["no_means_available", "out_of_range", "not_authorised", "other"]
    assert "/api/v1/responses/capabilities/{partner_id}/{name}" in spec["paths"]

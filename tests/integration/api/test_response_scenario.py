"""Issue 5's scenario, through a real app and store on SQLite and PostgreSQL.

Israel (A) detects a drone over Jordan (B) near the Saudi border, flying on into Saudi Arabia.
Jordan is asked to respond first (its area holds the path, its fighters are available),
declines; Saudi Arabia (C, on the path, capable, available) is asked next and accepts. Qatar,
which hears of Israel's warnings only through the coordinator, learns where the response
stands with the zones and stage, never who responds; Saudi Arabia, in the same position, gets
the warning and its request from the coordinator with nothing of Israel's in them. Every step
is in the audit chain, which verifies.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from tests.integration.api.conftest import Api
from tests.integration.api.response_samples import (
    consoles,
    delivered,
    drone_over_jordan,
    next_event,
    notice,
    request_id,
)
from typer.testing import CliRunner

from tanbih import cap
from tanbih.adapters.console_stream import ConsoleFeed
from tanbih.cli.audit import app as audit_app
from tanbih.domain.cap import ResponseType, Scope
from tanbih.domain.redaction import RELAYED_PREFIX
from tanbih.domain.response_request import is_request


@pytest.fixture
async def feeds(api: Api) -> AsyncIterator[dict[str, ConsoleFeed]]:
    async with consoles(api.node) as opened:
        yield opened


@pytest.fixture
async def saudi_console(api: Api) -> AsyncIterator[ConsoleFeed]:
    """A second console of Saudi Arabia's, watched for the warning alone."""
    async with api.node.console.subscribe("sa") as feed:
        yield feed


async def test_b_declines_c_accepts_and_a_via_coordinator_partner_learns_only_zones_and_stage(
    api: Api, feeds: dict[str, ConsoleFeed], saudi_console: ConsoleFeed, store_url: str
) -> None:
    """The issue's scenario, end to end, with the audit chain verified at the end."""
    posted = await api.client.post(
        "/api/v1/observations", json=drone_over_jordan(), headers=api.auth("il")
    )
    assert posted.status_code == 200, posted.text
    [result] = posted.json()
    threat, [warning_id] = result["threat"], result["issued"]

    # Saudi Arabia, threatened too, gets the warning from the coordinator: nothing of Israel's,
    # not even the warning's own id, only a copy id.
    saudi_id = await known_as(api, warning_id, "sa")
    assert saudi_id != warning_id
    await next_event(saudi_console, delivered(saudi_id))
    await assert_relayed_without_the_source(api, saudi_id, threat)

    # Jordan's duty officer is asked, on its console, by a request of its own.
    first_request = request_id(api.node, threat, 1)
    await next_event(feeds["jo"], delivered(first_request))
    as_jordan = await api.client.get(f"/api/v1/responses/{threat}", headers=api.auth("jo"))
    assert as_jordan.status_code == 200, as_jordan.text
    case = as_jordan.json()
    assert (case["state"], case["request"]["partner"]) == ("requested", "jo")
    assert case["warning"] == await known_as(api, warning_id, "jo")
    assert case["zones"] == ["jo-territory", "sa-territory.1"]
    assert case["stage"] == "take_shelter"

    # Only Jordan may answer Jordan's request.
    early = await api.client.post(f"/api/v1/responses/{threat}/accept", headers=api.auth("sa"))
    assert early.status_code == 403
    assert early.json()["type"] == "urn:tanbih:problem:not-asked"

    declined = await api.client.post(
        f"/api/v1/responses/{threat}/decline",
        json={"reason": "no_means_available", "note": "fighters committed in the north"},
        headers=api.auth("jo"),
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "requested"
    assert declined.json()["request"] is None  # Jordan is no longer the one asked

    # Saudi Arabia is asked next: its request names no source, track or sensor of Israel's.
    second_request = request_id(api.node, threat, 2)
    await next_event(feeds["sa"], delivered(second_request))
    await assert_reveals_nothing_of_the_source(api, second_request)
    # Jordan's request no longer escalates.
    first_thread = await api.node.store.get(first_request)
    assert first_thread is not None
    timers = await api.node.store.timers(first_thread.thread_id)
    assert [t.partner_id for t in timers] == ["jo"]
    assert all(t.stopped_at is not None for t in timers)

    accepted = await api.client.post(f"/api/v1/responses/{threat}/accept", headers=api.auth("sa"))
    assert accepted.status_code == 200, accepted.text
    assert (accepted.json()["state"], accepted.json()["responder"]) == ("accepted", "sa")

    # Qatar (via coordinator for Israel) learns the state, the zones and the stage: no name.
    await assert_told_only_zones_and_stage(api, feeds["qa"], threat, case["zones"])
    # Egypt, with direct relations to both, is told who responds.
    told_egypt = await next_event(feeds["eg"], notice)
    assert told_egypt.data["responder"] == "sa"

    # The coordinator sees the whole case.
    as_hub = (await api.client.get(f"/api/v1/responses/{threat}", headers=api.auth("coord"))).json()
    assert [(s["rule"], s["partner"], s["asked"]) for s in as_hub["history"]] == [
        ("ask_first_ranked", None, "jo"),
        ("declined_ask_next", "jo", "sa"),
        ("accepted_by_asked", "sa", None),
    ]
    assert as_hub["history"][1]["reason"] == "no_means_available"

    # Every step is in the audit chain, and the chain verifies.
    await assert_audited_and_verified(api, store_url)


async def known_as(api: Api, message_id: str, partner_id: str) -> str:
    """The id by which a partner knows a stored message (its copy id below full)."""
    record = await api.node.store.get(message_id)
    assert record is not None
    releasability = api.node.releasability
    return releasability.known_id(record, releasability.level_of(record, partner_id))


async def assert_relayed_without_the_source(api: Api, warning_id: str, threat: str) -> None:
    """Saudi Arabia's copy of the warning: the coordinator's, its zones and stage, no source."""
    read = await api.client.get(
        f"/api/v1/alerts/{warning_id}", headers=api.auth("sa", Accept="application/cap+xml")
    )
    assert read.status_code == 200, read.text
    copy = cap.parse_xml(read.content)
    assert copy.identifier.startswith(RELAYED_PREFIX)
    assert copy.sender == api.coalition.node.sender
    zones = {g.value for i in copy.infos for a in i.areas for g in a.geocodes}
    assert zones == {"jo-territory", "sa-territory.1"}
    # Jordan's zone takes shelter now, Saudi Arabia's prepares: the stages pass.
    stages = {r for i in copy.infos for r in i.response_types}
    assert stages == {ResponseType.SHELTER, ResponseType.PREPARE}
    names = {p.value_name.split(":")[1] for i in copy.infos for p in i.parameters}
    assert names == {"eta", "shelter_seconds"}
    text = read.content.decode()
    for hidden in ("il-northern-radar-2", "il-trk-42", threat, "tanbih:source"):
        assert hidden not in text
    audited = [
        e
        for e in await api.node.store.events(limit=10_000)
        if e.kind == "alert.redacted" and e.partner_id == "sa"
    ]
    assert [e.data["level"] for e in audited] == ["via_coordinator"]


async def assert_reveals_nothing_of_the_source(api: Api, message_id: str) -> None:
    """The request is private to Saudi Arabia and names no source, track or sensor."""
    stored = await api.node.store.get(message_id)
    assert stored is not None
    request = cap.parse_xml(stored.xml)
    assert is_request(request)
    assert (request.scope, request.addresses, request.status.value) == (
        Scope.PRIVATE,
        "sa",
        "Exercise",
    )
    text = stored.xml.decode()
    assert "il-northern-radar-2" not in text
    assert "il-trk-42" not in text
    assert request.source is None
    assert {p.value_name.split(":")[1] for i in request.infos for p in i.parameters} <= {
        "threat",
        "eta",
        "shelter_seconds",
    }


async def assert_audited_and_verified(api: Api, store_url: str) -> None:
    """Each move is an audit entry, and ``tanbih audit verify`` passes."""
    kinds = [
        (e.kind, e.partner_id)
        for e in await api.node.store.events(limit=10_000)
        if e.kind.startswith("response.") and e.kind != "response.notice"
    ]
    assert kinds == [
        ("response.requested", "jo"),
        ("response.declined", "jo"),
        ("response.accepted", "sa"),
    ]
    declined_entry = next(
        e for e in await api.node.store.events(limit=10_000) if e.kind == "response.declined"
    )
    assert declined_entry.data["asked"] == "sa"
    assert declined_entry.data["note"] == "fighters committed in the north"
    verified = await asyncio.to_thread(
        CliRunner().invoke,
        audit_app,
        [
            "verify",
            "--database-url",
            store_url,
            "--node-secret-file",
            str(api.node.settings.secret_file),
        ],
    )
    assert verified.exit_code == 0, verified.output


async def assert_told_only_zones_and_stage(
    api: Api, qatar: ConsoleFeed, threat: str, zones: list[str]
) -> None:
    """Qatar's notice and its read of the case: where it stands, zones and stage, no names."""
    told_qatar = await next_event(qatar, notice)
    assert told_qatar.data["state"] == "accepted"
    assert told_qatar.data["responder"] is None
    assert told_qatar.data["level"] == "via_coordinator"
    assert told_qatar.data["zones"] == zones
    assert told_qatar.data["stage"] == "take_shelter"
    assert "sources" not in told_qatar.data
    as_qatar = (await api.client.get(f"/api/v1/responses/{threat}", headers=api.auth("qa"))).json()
    assert (as_qatar["responder"], as_qatar["level"]) == (None, "via_coordinator")
    assert as_qatar["threat_class"] is None
    assert as_qatar["history"] is None

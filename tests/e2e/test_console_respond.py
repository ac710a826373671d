"""The console's response panel in a real browser: a request to respond is answered there,
the coordinator follows the assignment and overrides it, capabilities are switched there."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ServedNode

pytestmark = pytest.mark.slow


def warn_of_a_drone_over_jordan(node: ServedNode) -> str:
    """Israel reports a drone over Jordan heading into Saudi Arabia; the threat's id."""
    report = {
        "id": "il-e2e-1",
        "sensor": "il-northern-radar-2",
        "time": datetime.now(UTC).isoformat(),
        "position": {"lat": 31.8, "lon": 36.5, "altM": 300},
        "velocity": {"speedMps": 50, "headingDeg": 120},
        "class": "uav",
        "confidence": 0.9,
        "status": "Exercise",
        "trackId": "il-trk-e2e",
    }
    posted = httpx.post(
        f"{node.url}/api/v1/observations", json=report, headers=node.auth("il"), timeout=10
    )
    assert posted.status_code == 200, posted.text
    threat: str = posted.json()[0]["threat"]
    return threat


def case(node: ServedNode, threat: str) -> dict[str, Any]:
    """The threat's response case as the coordinator sees it."""
    seen: dict[str, Any] = node.get("coord", f"/api/v1/responses/{threat}")
    return seen


def test_the_partner_asked_declines_with_a_reason_in_the_console(
    page: Page, node: ServedNode
) -> None:
    """Jordan's console shows the request; declining with a reason passes it to Saudi Arabia."""
    log_in(page, node, "jo", "en")
    threat = warn_of_a_drone_over_jordan(node)
    respond = page.get_by_role("tab", name=re.compile(r"^Respond \(1\)$"))
    expect(respond).to_be_visible()
    respond.click()
    request = page.locator(f'[data-testid=response-request][data-threat="{threat}"]')
    expect(request).to_contain_text("Answer by")
    request.get_by_test_id("response-decline").click()
    request.get_by_test_id("decline-reason").select_option("out_of_range")
    request.get_by_test_id("decline-note").fill("beyond our fighters' reach")
    request.get_by_test_id("decline-confirm").click()

    expect(page.get_by_text("No request to respond awaits you.")).to_be_visible()
    expect(page.get_by_role("tab", name=re.compile(r"^Respond$"))).to_be_visible()
    seen = case(node, threat)
    assert seen["request"]["partner"] == "sa"
    declined = seen["history"][1]
    assert (declined["reason"], declined["note"]) == ("out_of_range", "beyond our fighters' reach")


def test_the_partner_asked_accepts_and_the_coordinator_sees_who_responds(
    page: Page, node: ServedNode
) -> None:
    """Accepting in Jordan's console makes Jordan the responder, as the hub's console shows."""
    log_in(page, node, "jo", "en")
    threat = warn_of_a_drone_over_jordan(node)
    page.get_by_role("tab", name=re.compile(r"^Respond")).click()
    request = page.locator(f'[data-testid=response-request][data-threat="{threat}"]')
    request.get_by_test_id("response-accept").click()
    standing = page.locator(f'[data-testid=response-case][data-threat="{threat}"]')
    expect(standing).to_have_attribute("data-state", "accepted")
    assert case(node, threat)["responder"] == "jo"


def test_the_coordinator_follows_the_assignment_and_overrides_it(
    page: Page, node: ServedNode
) -> None:
    """The hub's console shows whom the threat waits on, and asks Egypt instead."""
    threat = warn_of_a_drone_over_jordan(node)
    log_in(page, node, "coord", "en")
    page.get_by_role("tab", name=re.compile(r"^Respond")).click()
    standing = page.locator(f'[data-testid=response-case][data-threat="{threat}"]')
    names = {p["id"]: p["name"] for p in _partners(node)}
    expect(standing.get_by_test_id("asked")).to_contain_text(names["jo"])
    expect(standing.get_by_test_id("response-state")).to_have_text("Awaiting an answer")
    standing.get_by_test_id("reassign-partner").select_option("eg")
    standing.get_by_test_id("reassign").click()
    expect(standing.get_by_test_id("asked")).to_contain_text(names["eg"])
    seen = case(node, threat)
    assert seen["request"]["partner"] == "eg"
    assert seen["history"][-1]["rule"] == "coordinator_reassigns"


def test_a_partner_switches_a_capability_off_in_the_console(page: Page, node: ServedNode) -> None:
    """Jordan switches its fighters off; the node keeps it and the panel shows it."""
    log_in(page, node, "jo", "en")
    page.get_by_role("tab", name=re.compile(r"^Respond")).click()
    fighters = page.locator("[data-testid=capability][data-capability=fighters]")
    expect(fighters).to_have_attribute("data-available", "true")
    fighters.get_by_test_id("capability-toggle").click()
    expect(fighters).to_have_attribute("data-available", "false")
    listed = node.get("jo", "/api/v1/responses/capabilities")
    assert {c["name"]: c["available"] for c in listed} == {
        "fighters": False,
        "air_defence": False,
    }


def _partners(node: ServedNode) -> list[dict[str, Any]]:
    response = httpx.post(
        f"{node.url}/api/v1/console/session", headers=node.auth("coord"), timeout=10
    )
    response.raise_for_status()
    partners: list[dict[str, Any]] = response.json()["partners"]
    return partners

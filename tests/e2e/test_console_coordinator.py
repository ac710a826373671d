"""The coordinator's form (a new alert, a Cancel) and the history view, in a real browser."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ABU_GOSH, ServedNode, cap_alert

from tanbih import cap
from tanbih.domain.cap import MsgType, ResponseType, Status

pytestmark = pytest.mark.slow


def test_the_coordinator_issues_an_alert_that_the_node_accepts_as_valid_cap(
    page: Page, node: ServedNode
) -> None:
    """The form sends an Exercise take-shelter alert for a chosen zone; the node stores it."""
    log_in(page, node, "coord", "en")
    page.get_by_role("tab", name="Issue alert").click()
    page.select_option("select[name=response]", "Shelter")
    page.fill("#tb-zone-search", "Abu Gosh")
    page.press("#tb-zone-search", "Enter")
    expect(page.locator(".tb-chips li")).to_have_count(1)
    page.click("#tb-alert-form button[type=submit]")
    expect(page.get_by_test_id("compose-result")).to_contain_text("Accepted by the node")

    stored = node.get("coord", "/api/v1/alerts", msgType="Alert", sender="hub@coord.example.org")
    assert len(stored) == 1
    xml = httpx.get(
        f"{node.url}{stored[0]['href']}",
        headers={**node.auth("coord"), "Accept": "application/cap+xml"},
        timeout=10,
    ).content
    alert = cap.parse_xml(xml)  # the node's stored bytes, validated again
    assert alert.status is Status.EXERCISE
    assert [info.language for info in alert.infos] == ["en", "he", "ar"]
    assert all(info.response_types == (ResponseType.SHELTER,) for info in alert.infos)
    headlines = [info.headline or "" for info in alert.infos]
    assert headlines[0].startswith("EXERCISE")
    assert headlines[2].startswith("تمرين")
    area = alert.infos[0].areas[0]
    assert [(g.value_name, g.value) for g in area.geocodes] == [("tanbih:zone", ABU_GOSH)]
    assert len(area.polygons) == 1


def test_the_coordinator_cancels_an_active_alert(page: Page, node: ServedNode) -> None:
    """A Cancel from the form ends the event: the node records it and the list empties."""
    posted = node.post("coord", cap_alert("e2e-to-cancel"))
    log_in(page, node, "coord", "en")
    expect(page.locator(f'.tb-alert[data-alert="{posted["id"]}"]')).to_be_visible()
    page.get_by_role("tab", name="Issue alert").click()
    page.get_by_label("Cancel an alert").check()
    page.click("#tb-cancel-form button[type=submit]")
    expect(page.get_by_test_id("compose-result")).to_contain_text("Accepted by the node")

    thread = node.get("coord", "/api/v1/alerts", threadId=posted["threadId"])
    assert {m["msgType"] for m in thread} == {MsgType.ALERT.value, MsgType.CANCEL.value}
    page.get_by_role("tab", name="Active alerts").click()
    expect(page.locator(f'.tb-alert[data-alert="{posted["id"]}"]')).to_have_count(0)


def test_a_partner_gets_no_coordinator_form(page: Page, node: ServedNode) -> None:
    """Only the coordinator's console offers the form to issue or cancel alerts."""
    log_in(page, node, "il", "en")
    expect(page.get_by_role("tab", name="History")).to_be_visible()
    expect(page.get_by_role("tab", name="Issue alert")).to_have_count(0)


def test_history_shows_the_lifecycle_the_ack_timeline_and_the_cap_xml(
    page: Page, node: ServedNode, tmp_path: Path
) -> None:
    """A past event lists its messages and each partner's acknowledgement; its XML downloads."""
    posted = node.post("coord", cap_alert("e2e-history"))
    httpx.post(
        f"{node.url}/api/v1/alerts/{posted['id']}/ack", headers=node.auth("il"), timeout=10
    ).raise_for_status()
    log_in(page, node, "jo", "en")
    page.get_by_role("tab", name="History").click()
    thread = page.locator(f'details.tb-thread[data-thread="{posted["threadId"]}"]')
    thread.locator("summary").click()
    expect(thread.locator(f'tr[data-alert="{posted["id"]}"]')).to_contain_text("Alert")
    expect(thread.locator('.tb-ack-timeline li[data-partner="il"]')).to_contain_text("console")
    with page.expect_download() as download:
        thread.get_by_role("button", name="CAP XML").click()
    saved = tmp_path / "alert.xml"
    download.value.save_as(saved)
    assert cap.parse_xml(saved.read_bytes()).identifier == "e2e-history"

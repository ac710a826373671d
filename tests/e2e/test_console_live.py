"""The live picture: an alert posted to the node is drawn at once and can be acknowledged."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ABU_GOSH, ServedNode, cap_alert

pytestmark = pytest.mark.slow


def test_a_partner_logs_in_with_its_token(page: Page, node: ServedNode) -> None:
    """The console logs in with a partner's token and names the partner it serves."""
    log_in(page, node, "il", "en")
    expect(page.locator(".tb-top h1")).to_contain_text("Israel")


def test_a_wrong_token_is_refused(page: Page, node: ServedNode) -> None:
    """A token the node does not know leaves the login form up with the node's refusal."""
    page.goto(node.url + "/")
    page.fill("#tb-token", "not-a-token")
    page.click("form[data-testid=login] button[type=submit]")
    expect(page.get_by_test_id("login-error")).to_be_visible()
    expect(page.get_by_test_id("alert-list")).to_have_count(0)


def test_a_posted_alert_is_on_the_map_and_in_the_list_within_a_second(
    page: Page, node: ServedNode
) -> None:
    """A take-shelter alert posted to the API colours its zone and heads the list within 1 s."""
    log_in(page, node, "il", "en")
    posted = node.post("coord", cap_alert("e2e-live-1"))
    zone = page.locator(f'path[data-zone="{ABU_GOSH}"]')
    expect(zone).to_have_class(re.compile(r"\btb-stage-take_shelter\b"), timeout=1000)
    item = page.locator(f'.tb-alert[data-alert="{posted["id"]}"]')
    expect(item).to_be_visible(timeout=1000)
    expect(item.locator("tr[data-zone] td").first).to_have_text("Abu Gosh")
    expect(item.locator("[data-eta]")).to_have_text(re.compile(r"^[45]:\d\d$"))


def test_acknowledging_is_shown_once_the_node_recorded_it(page: Page, node: ServedNode) -> None:
    """One click acknowledges for the partner: the node's acknowledgement list then has it."""
    log_in(page, node, "il", "en")
    posted = node.post("coord", cap_alert("e2e-ack-1"))
    item = page.locator(f'.tb-alert[data-alert="{posted["id"]}"]')
    item.get_by_test_id("ack").click()
    expect(item.get_by_test_id("acked")).to_be_visible()
    acks = node.get("il", f"/api/v1/alerts/{posted['id']}/acks")
    assert [(a["partner"], a["via"]) for a in acks] == [("il", "console")]


def test_the_a_key_acknowledges_the_most_urgent_alert(page: Page, node: ServedNode) -> None:
    """The keyboard shortcut acknowledges the first unacknowledged alert in the list."""
    log_in(page, node, "il", "en")
    posted = node.post("coord", cap_alert("e2e-key-1"))
    item = page.locator(f'.tb-alert[data-alert="{posted["id"]}"]')
    expect(item.get_by_test_id("ack")).to_be_visible()
    page.keyboard.press("a")
    expect(item.get_by_test_id("acked")).to_be_visible()
    acks = node.get("il", f"/api/v1/alerts/{posted['id']}/acks")
    assert [a["partner"] for a in acks] == ["il"]

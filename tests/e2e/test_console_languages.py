"""Arabic, Hebrew and English: right-to-left layout, zone names in the chosen language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ABU_GOSH_NAMES, ServedNode, cap_alert

pytestmark = pytest.mark.slow


def test_switching_to_arabic_mirrors_the_layout_and_names_zones_in_arabic(
    page: Page, node: ServedNode
) -> None:
    """Arabic sets dir=rtl, puts the side panel on the left, and shows the Arabic zone name."""
    log_in(page, node, "il", "en")
    posted = node.post("coord", cap_alert("e2e-lang-1"))
    zone_cell = page.locator(f'.tb-alert[data-alert="{posted["id"]}"] tr[data-zone] td').first
    expect(zone_cell).to_have_text(ABU_GOSH_NAMES["en"])
    middle = page.viewport_size["width"] / 2 if page.viewport_size else 0
    panel_ltr = page.locator(".tb-panel").bounding_box()

    page.get_by_test_id("language").select_option("ar")

    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(zone_cell).to_have_text(ABU_GOSH_NAMES["ar"])
    expect(page.get_by_role("tab", name="الإنذارات النشطة")).to_be_visible()
    panel_rtl = page.locator(".tb-panel").bounding_box()
    assert panel_ltr is not None
    assert panel_rtl is not None
    assert panel_ltr["x"] > middle > panel_rtl["x"]


def test_the_chosen_language_is_remembered_across_a_reload(page: Page, node: ServedNode) -> None:
    """Hebrew, once chosen, is what the console opens in next time, right to left."""
    log_in(page, node, "il", "en")
    page.get_by_test_id("language").select_option("he")
    page.reload()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("html")).to_have_attribute("lang", "he")
    expect(page.get_by_test_id("connection")).to_have_text("מחובר")

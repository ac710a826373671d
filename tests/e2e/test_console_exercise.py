"""Exercise safety: a message that is not Actual is never shown without the exercise marking."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ServedNode, cap_alert

pytestmark = pytest.mark.slow
BANNER = "EXERCISE · תרגיל · تمرين"


def test_an_exercise_alert_raises_the_banner_and_the_exercise_frame(
    page: Page, node: ServedNode
) -> None:
    """An Exercise alert shows the three-language banner, the striped frame and its own chip."""
    log_in(page, node, "il", "en")
    expect(page.get_by_test_id("exercise-banner")).to_be_hidden()
    posted = node.post("coord", cap_alert("e2e-exercise-1", status="Exercise"))
    expect(page.get_by_test_id("exercise-banner")).to_have_text(BANNER)
    expect(page.locator("#app")).to_have_class(re.compile(r"\btb-exercise\b"))
    item = page.locator(f'.tb-alert[data-alert="{posted["id"]}"]')
    expect(item.locator(".tb-chip-status")).to_have_text("EXERCISE")


def test_actual_and_exercise_alerts_in_one_list_each_carry_their_status(
    page: Page, node: ServedNode
) -> None:
    """Mixed in one list, the Actual alert is marked ACTUAL and the Exercise one EXERCISE."""
    log_in(page, node, "il", "en")
    actual = node.post("coord", cap_alert("e2e-actual-1", status="Actual"))
    actual_item = page.locator(f'.tb-alert[data-alert="{actual["id"]}"]')
    expect(actual_item.locator(".tb-chip-status")).to_have_text("ACTUAL")
    expect(page.get_by_test_id("exercise-banner")).to_be_hidden()
    exercise = node.post("coord", cap_alert("e2e-exercise-2", status="Exercise"))
    exercise_item = page.locator(f'.tb-alert[data-alert="{exercise["id"]}"]')
    expect(exercise_item.locator(".tb-chip-status")).to_have_text("EXERCISE")
    expect(page.get_by_test_id("exercise-banner")).to_be_visible()

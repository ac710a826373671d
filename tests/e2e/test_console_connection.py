"""A dropped connection is shown, and the console recovers without losing what came meanwhile."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ServedNode, cap_alert

pytestmark = pytest.mark.slow
# The browser retries the stream every few seconds; the console polls every 1.5 s.
RECOVERY_MS = 15_000


def test_the_node_going_away_shows_connection_lost_and_no_alert_is_lost(
    page: Page, node: ServedNode
) -> None:
    """With the node's HTTP server down the console says so; back up, it shows what came since."""
    log_in(page, node, "il", "en")
    before = node.post("coord", cap_alert("e2e-before-drop"))
    expect(page.locator(f'.tb-alert[data-alert="{before["id"]}"]')).to_be_visible()

    node.stop_serving()
    expect(page.get_by_test_id("connection-lost")).to_be_visible(timeout=RECOVERY_MS)
    expect(page.get_by_test_id("connection")).to_have_class("tb-conn tb-conn-down")
    meanwhile = node.post("coord", cap_alert("e2e-during-drop"))

    node.serve()
    expect(page.get_by_test_id("connection-lost")).to_be_hidden(timeout=RECOVERY_MS)
    expect(page.locator(f'.tb-alert[data-alert="{meanwhile["id"]}"]')).to_be_visible(
        timeout=RECOVERY_MS
    )
    expect(page.locator(f'.tb-alert[data-alert="{before["id"]}"]')).to_be_visible()


def test_a_blocked_stream_reconnects_with_the_alerts_it_missed(
    page: Page, node: ServedNode
) -> None:
    """While the browser is offline nothing arrives; online again, the missed alert is shown."""
    log_in(page, node, "il", "en")
    page.context.set_offline(True)
    expect(page.get_by_test_id("connection-lost")).to_be_visible(timeout=RECOVERY_MS)
    missed = node.post("coord", cap_alert("e2e-offline"))
    page.context.set_offline(False)
    expect(page.get_by_test_id("connection-lost")).to_be_hidden(timeout=RECOVERY_MS)
    expect(page.locator(f'.tb-alert[data-alert="{missed["id"]}"]')).to_be_visible(
        timeout=RECOVERY_MS
    )

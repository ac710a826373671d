"""Browser tests drive Debian's chromium: Playwright cannot download its own browser here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from tests.conftest import unavailable
from tests.e2e.console_node import ServedNode

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the browser tests last.

    Playwright's sync API marks the main thread's event loop as running for as long as it is
    started, which pytest-playwright does once per session: an asyncio test after the first
    browser test could not run its own loop.
    """
    items.sort(key=lambda item: "page" in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """pytest-playwright's launch arguments, pointed at Debian's chromium."""
    if not CHROMIUM.exists():
        unavailable(f"no browser at {CHROMIUM}: `make test` installs Debian's chromium")
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServedNode]:
    """A node with the demo coalition on SQLite in a temporary directory, served over HTTP."""
    if not (Path(__file__).parents[2] / "src" / "tanbih" / "web_static" / "index.html").exists():
        unavailable("the console is not built: run `make web`")
    served = ServedNode(tmp_path)
    served.start()
    try:
        yield served
    finally:
        served.close()


def log_in(page: Page, node: ServedNode, partner: str, language: str | None = None) -> None:
    """Open the console, pick ``language`` if given, log in as ``partner``, wait until live."""
    page.goto(node.url + "/")
    if language is not None:
        page.get_by_test_id("language").select_option(language)
    page.fill("#tb-token", node.tokens[partner])
    page.click("form[data-testid=login] button[type=submit]")
    expect(page.get_by_test_id("alert-list")).to_be_visible()
    expect(page.get_by_test_id("connection")).to_have_class("tb-conn tb-conn-up")

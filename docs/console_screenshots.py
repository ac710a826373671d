"""Screenshots of the console for the docs, taken against a running ``make demo``.

Run: ``.venv/bin/python docs/console_screenshots.py [--node URL]`` while ``make demo`` runs.
Logs in as Israel's duty officer in headless chromium, waits (up to one round of the replayed
flight) until the flight's warning has zones at take shelter, flies the map to them, and saves
``docs/console-en.png``, then the same in Arabic as ``docs/console-ar.png``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import sync_playwright

from tanbih.demo import read_tokens

DOCS = Path(__file__).resolve().parent
DEMO_TOKENS = DOCS.parent / "examples" / "coalition" / "demo-tokens.env"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
# One round of the demo's flight and the pause after it.
ROUND_MS = 11 * 60 * 1000
SETTLE_MS = 1500  # the map's fly-to animation


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--node", default="http://127.0.0.1:8000")
    args = parser.parse_args()
    token = read_tokens(DEMO_TOKENS)["il"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{args.node}/")
        page.get_by_test_id("language").select_option("en")
        page.fill("#tb-token", token)
        page.click("form[data-testid=login] button[type=submit]")
        sheltering = page.locator(".tb-alert.tb-stage-take_shelter:has([data-eta])").first
        sheltering.wait_for(timeout=ROUND_MS)
        sheltering.locator(".tb-meta").click()  # flies the map to the alert's zones
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=DOCS / "console-en.png")
        page.get_by_test_id("language").select_option("ar")
        page.wait_for_timeout(SETTLE_MS)
        page.screenshot(path=DOCS / "console-ar.png")
        browser.close()
    print(f"wrote {DOCS / 'console-en.png'} and {DOCS / 'console-ar.png'}")


if __name__ == "__main__":
    main()

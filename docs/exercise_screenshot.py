"""Take docs/exercise-report.png: the after-action report of a library scenario, as a browser
shows it.

Runs the scenario headless (fast-forwarded) to an HTML report in a temporary directory, opens
it in headless chromium and saves the top of the page. Run from the repository root:

    .venv/bin/python docs/exercise_screenshot.py [SCENARIO]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

DOCS = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DEFAULT_SCENARIO = DOCS.parent / "examples" / "scenarios" / "cruise-missile-three-partners.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", type=Path, default=DEFAULT_SCENARIO)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "aar.html"
        tanbih = Path(sys.executable).with_name("tanbih")
        subprocess.run(  # noqa: S603 -- our own command line, fixed arguments
            [str(tanbih), "exercise", "run", str(args.scenario), "--report", str(report)],
            check=False,
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 1600})
            page.goto(report.as_uri())
            page.screenshot(path=str(DOCS / "exercise-report.png"), full_page=False)
            browser.close()


if __name__ == "__main__":
    main()

"""POST → alert drawn in the console: how long a duty officer waits to see a warning.

Run: ``.venv/bin/python bench/console_latency.py [--alerts N]`` (about a minute; needs
``make web`` and Debian's chromium at /usr/bin/chromium).

Starts ``tanbih serve`` (a subprocess, the demo coalition, SQLite in a temporary directory),
opens the console in headless chromium logged in as Israel, then posts ``--alerts`` CAP
take-shelter alerts as the coordinator, one at a time, each for one of Israel's zones. In the
page a MutationObserver stamps the moment the alert's list item enters the DOM, and the next
animation frame after it (when the browser paints it). Latency is from just before the POST is
written (``time.time()``) to those stamps (``performance.timeOrigin + performance.now()``):
both read the same wall clock of the same machine. It also prints the console's bundle size,
gzipped: the page, script and stylesheet (Leaflet included), the base map, and the zone map
the node serves.
"""

from __future__ import annotations

import argparse
import gzip
import os
import platform
import subprocess
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import sync_playwright

from _loopback import LOOPBACK, ROOT, VENV_BIN, free_port, percentile
from tanbih.demo import read_tokens

DEMO = ROOT / "examples" / "coalition"
STATIC = ROOT / "src" / "tanbih" / "web_static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ZONES = ["il-5000511", "il-5000004", "il-5000009", "il-5000010"]
START_WITHIN_S = 60.0
DRAWN_WITHIN_MS = 10_000
# Stamps each alert item's arrival and the frame that paints it, by alert id.
OBSERVER = """
window.__drawn = {};
const observer = new MutationObserver((records) => {
  const at = performance.timeOrigin + performance.now();
  for (const r of records) for (const node of r.addedNodes) {
    const id = node instanceof HTMLElement ? node.dataset.alert : undefined;
    if (!id || window.__drawn[id]) continue;
    window.__drawn[id] = { dom: at };
    requestAnimationFrame(() => {
      window.__drawn[id].frame = performance.timeOrigin + performance.now();
    });
  }
});
document.addEventListener("DOMContentLoaded", () => {
  observer.observe(document.body, { childList: true, subtree: true });
});
"""


def alert(identifier: str, zone: str) -> dict[str, Any]:
    """A take-shelter CAP alert (JSON mirror) from the coordinator for one zone."""
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "identifier": identifier,
        "sender": "hub@coord.example.org",
        "sent": now.isoformat(),
        "status": "Exercise",
        "msgType": "Alert",
        "scope": "Restricted",
        "restriction": "coalition members only",
        "info": [
            {
                "language": "en",
                "category": ["Security"],
                "event": "Hostile UAV",
                "responseType": ["Shelter"],
                "urgency": "Immediate",
                "severity": "Severe",
                "certainty": "Observed",
                "expires": (now + timedelta(minutes=30)).isoformat(),
                "headline": f"EXERCISE: bench {identifier}",
                "area": [
                    {"areaDesc": zone, "geocode": [{"valueName": "tanbih:zone", "value": zone}]}
                ],
            }
        ],
    }


def wait_until_healthy(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_WITHIN_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("tanbih serve exited")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError("tanbih serve did not start")


def measure(url: str, tokens: dict[str, str], count: int) -> tuple[list[float], list[float]]:
    """Milliseconds from POST to DOM insertion, and to the painted frame, per alert."""
    dom, frame = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.add_init_script(OBSERVER)
        page.goto(f"{url}/")
        page.fill("#tb-token", tokens["il"])
        page.click("form[data-testid=login] button[type=submit]")
        page.wait_for_selector(".tb-conn-up")
        with httpx.Client(base_url=url, timeout=10) as client:
            headers = {"Authorization": f"Bearer {tokens['coord']}"}
            for i in range(count):
                body = alert(f"bench-console-{os.getpid()}-{i}", ZONES[i % len(ZONES)])
                started = time.time() * 1000
                response = client.post("/api/v1/alerts", json=body, headers=headers)
                response.raise_for_status()
                alert_id = response.json()["alert"]["id"]
                # A function, not an expression: the console's policy forbids eval.
                stamps = page.wait_for_function(
                    "(id) => window.__drawn[id]?.frame && window.__drawn[id]",
                    arg=alert_id,
                    timeout=DRAWN_WITHIN_MS,
                ).json_value()
                dom.append(stamps["dom"] - started)
                frame.append(stamps["frame"] - started)
        browser.close()
    return dom, frame


def bundle_sizes(url: str, token: str) -> dict[str, int]:
    """Gzipped bytes of each part the console loads."""
    sizes = {
        name: len(gzip.compress((STATIC / name).read_bytes(), compresslevel=9, mtime=0))
        for name in ("index.html", "console.js", "console.css", "countries.json")
    }
    zones = httpx.get(
        f"{url}/api/v1/zones",
        headers={"Authorization": f"Bearer {token}", "Accept-Encoding": "gzip"},
        timeout=30,
    )
    sizes["/api/v1/zones"] = int(zones.headers["content-length"])
    return sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=100)
    args = parser.parse_args()
    tokens = read_tokens(DEMO / "demo-tokens.env")
    port = free_port()
    url = f"http://{LOOPBACK}:{port}"
    with tempfile.TemporaryDirectory() as data, (Path(data) / "node.log").open("wb") as log:
        process = subprocess.Popen(
            [str(VENV_BIN / "tanbih"), "serve", "--port", str(port), "--data-dir", data],
            stdout=log,
            stderr=log,
            env={**os.environ, "TANBIH_COALITION": str(DEMO / "coalition.yaml")},
        )
        try:
            wait_until_healthy(url, process)
            dom, frame = measure(url, tokens, args.alerts)
            sizes = bundle_sizes(url, tokens["il"])
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"POST → alert drawn in the console, {len(dom)} alerts (ms):")
    for name, values in (("in the DOM", dom), ("painted (next frame)", frame)):
        print(
            f"  {name:<22} p50 {percentile(values, 50):6.1f}  p99 {percentile(values, 99):6.1f}"
            f"  max {max(values):6.1f}"
        )
    print("console bundle, gzipped (bytes):")
    for name, size in sizes.items():
        print(f"  {name:<16} {size:>9,}")
    assets = sum(v for k, v in sizes.items() if not k.startswith("/"))
    print(f"  {'assets total':<16} {assets:>9,}")
    print(f"  {'with zone map':<16} {sum(sizes.values()):>9,}")


if __name__ == "__main__":
    main()

"""A partner's console shows nothing the sharing matrix withholds from it, in the page and in
what the page fetched: a withheld warning is absent, a ``zones_only`` one has its zone and
stage but none of the source's text."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, Response, expect
from tests.conftest import unavailable
from tests.e2e.conftest import log_in
from tests.e2e.console_node import ABU_GOSH, DEMO, ServedNode, cap_alert

pytestmark = pytest.mark.slow

MARKER = "QZTRACK4471"
SENSOR = "QZSENSOR-NEGEV-3"
BAHRAIN = "bh-territory"
DEMO_RULE = "    - {from: il, to: [eg, jo, ae, bh], rule: zones_only}\n"
# The demo's matrix, but Israel's actual warnings withheld from Bahrain altogether.
WITHHOLDING_RULES = (
    "    - {from: il, to: [eg, jo, ae], rule: zones_only}\n    - {from: il, to: [bh], rule: none}\n"
)


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServedNode]:
    """The demo coalition's node, with Israel → Bahrain ``none`` for actual traffic."""
    if not (Path(__file__).parents[2] / "src" / "tanbih" / "web_static" / "index.html").exists():
        unavailable("the console is not built: run `make web`")
    coalition = tmp_path / "coalition"
    shutil.copytree(DEMO, coalition)
    text = (coalition / "coalition.yaml").read_text()
    assert DEMO_RULE in text
    (coalition / "coalition.yaml").write_text(text.replace(DEMO_RULE, WITHHOLDING_RULES))
    served = ServedNode(tmp_path / "data", coalition / "coalition.yaml")
    served.start()
    try:
        yield served
    finally:
        served.close()


def israeli_warning(identifier: str, zone: str = ABU_GOSH) -> dict[str, object]:
    """An actual warning posted by Israel, naming a track and a sensor in its free text."""
    alert = cap_alert(identifier, status="Actual", sender="hfc@il.example.org", zone=zone)
    for info in alert["info"]:  # type: ignore[attr-defined]
        info["description"] = f"Track {MARKER} from sensor {SENSOR}"
    return alert


class Traffic:
    """Every API response the page received, read once the test is done looking."""

    def __init__(self, page: Page) -> None:
        self.responses: list[Response] = []
        page.on("response", self._seen)

    def _seen(self, response: Response) -> None:
        self.responses.append(response)

    def texts(self) -> str:
        """The bodies of the API responses (the event stream never ends: left out)."""
        bodies = [
            r.text()
            for r in self.responses
            if "/api/" in r.url and "/api/v1/stream" not in r.url and r.ok
        ]
        assert bodies, "the page fetched nothing from the API"
        return "\n".join(bodies)


def test_a_zones_only_partner_sees_the_zone_and_stage_without_the_sources_text(
    page: Page, node: ServedNode
) -> None:
    """Jordan's console lists Israel's warning for Abu Gosh under its copy id, and neither the
    page nor anything it fetched holds Israel's identifier, the warning's own id, its track or
    its sensor."""
    traffic = Traffic(page)
    log_in(page, node, "jo", "en")
    posted = node.post("il", israeli_warning(f"il-{MARKER}"))
    [copy_id] = [listed["id"] for listed in node.get("jo", "/api/v1/alerts")]
    assert copy_id != posted["id"]
    item = page.locator(f'.tb-alert[data-alert="{copy_id}"]')

    expect(item).to_be_visible()
    expect(item.locator("tr[data-zone] td").first).to_have_text("Abu Gosh")
    expect(item).to_contain_text("take shelter", ignore_case=True)
    page.get_by_test_id("ack").first.wait_for()
    html = page.content()
    fetched = traffic.texts()
    for secret in (MARKER, SENSOR, posted["id"]):
        assert secret not in html
        assert secret not in fetched
    assert "tanbih-relay-" in fetched


def test_a_withheld_warning_is_absent_from_the_partners_console(
    page: Page, node: ServedNode
) -> None:
    """Bahrain's console shows the hub's warning for Bahrain posted after Israel's for Bahrain,
    and nothing of Israel's: not in the list, not in anything the page fetched."""
    traffic = Traffic(page)
    log_in(page, node, "bh", "en")
    withheld = node.post("il", israeli_warning(f"il-{MARKER}", zone=BAHRAIN))
    control = node.post("coord", cap_alert("e2e-control-1", zone=BAHRAIN))

    expect(page.locator(f'.tb-alert[data-alert="{control["id"]}"]')).to_be_visible()
    page.wait_for_function(
        "ids => !ids.some(id => document.querySelector(`[data-alert='${id}']`))",
        arg=[withheld["id"]],
    )
    html = page.content()
    fetched = traffic.texts()
    for secret in (MARKER, SENSOR, withheld["id"], "hfc@il.example.org"):
        assert secret not in html
        assert secret not in fetched
    assert control["id"] in fetched

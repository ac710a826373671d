"""Signed CAP end to end: the node signs what it emits; partners' posts are verified."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conftest import REPO_ROOT
from tests.integration.api.conftest import XML

from tanbih import cap
from tanbih.api.app import create_app
from tanbih.cap.signature import Outcome, sign, verify
from tanbih.cap.signature import trusted_keys as trusted_of
from tanbih.demo import demo_posts, read_tokens
from tanbih.node import Node
from tanbih.settings import Settings

DEMO = REPO_ROOT / "examples" / "coalition"
KEYS = DEMO / "keys"
pytestmark = pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)


@pytest.fixture
async def signed_node(
    store_url: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, Node]]:
    settings = Settings(
        coalition_file=DEMO / "coalition.yaml",
        data_dir=tmp_path,
        database_url=store_url,
        signing_key=KEYS / "coord-demo-2026.key.pem",
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield client, app.state.node


def israel_signs(xml: bytes) -> bytes:
    from cryptography import x509  # noqa: PLC0415
    from cryptography.hazmat.primitives.serialization import load_pem_private_key  # noqa: PLC0415

    key = load_pem_private_key((KEYS / "il-demo-2026.key.pem").read_bytes(), password=None)
    certificate = x509.load_pem_x509_certificate((KEYS / "il-demo-2026.cert.pem").read_bytes())
    return sign(xml, key, certificate)  # type: ignore[arg-type]


async def test_the_node_signs_the_warnings_it_issues(
    signed_node: tuple[httpx.AsyncClient, Node],
) -> None:
    """An observation's warning is stored and served signed by the hub's registered key."""
    client, node = signed_node
    tokens = read_tokens(DEMO / "demo-tokens.env")
    report = {
        "id": "r-1",
        "sensor": "radar",
        "time": datetime.now(UTC).isoformat(),
        "position": {"lat": 32.8, "lon": 34.75, "altM": 300},
        "velocity": {"speedMps": 50, "headingDeg": 90},
        "class": "uav",
        "status": "Exercise",
    }
    posted = await client.post(
        "/api/v1/observations", json=report, headers={"Authorization": f"Bearer {tokens['il']}"}
    )
    [result] = posted.json()
    stored = await client.get(
        f"/api/v1/alerts/{result['issued'][0]}",
        headers={"Authorization": f"Bearer {tokens['jo']}", "Accept": "application/cap+xml"},
    )
    verdict = verify(
        stored.content, trusted_of(node.coalition), required=True, now=datetime.now(UTC)
    )
    assert verdict.outcome is Outcome.VALID
    assert verdict.key_id == "coord-demo-2026"


async def test_a_partners_signed_post_is_accepted_and_a_tampered_one_refused(
    signed_node: tuple[httpx.AsyncClient, Node],
) -> None:
    """Israel's signed alert is accepted; the same bytes altered after signing are refused."""
    client, node = signed_node
    tokens = read_tokens(DEMO / "demo-tokens.env")
    post = demo_posts(node.coalition, datetime.now(UTC).replace(microsecond=0))[0]
    signed = israel_signs(cap.emit_xml(post.alert))
    auth = {"Authorization": f"Bearer {tokens['il']}", **XML}
    tampered = signed.replace(b"<severity>Severe</severity>", b"<severity>Minor</severity>", 1)
    refused = await client.post("/api/v1/alerts", content=tampered, headers=auth)
    assert refused.status_code == 422
    assert "digest" in refused.json()["detail"].lower()
    accepted = await client.post("/api/v1/alerts", content=signed, headers=auth)
    assert accepted.status_code == 201, accepted.text


async def test_a_post_signed_with_another_partners_key_is_refused(
    signed_node: tuple[httpx.AsyncClient, Node],
) -> None:
    """A message whose sender is the hub's but whose key is Israel's does not verify."""
    client, node = signed_node
    tokens = read_tokens(DEMO / "demo-tokens.env")
    post = demo_posts(node.coalition, datetime.now(UTC).replace(microsecond=0))[3]
    alert = replace(post.alert, identifier=post.alert.identifier + "-forged")
    forged = israel_signs(cap.emit_xml(alert))
    response = await client.post(
        "/api/v1/alerts",
        content=forged,
        headers={"Authorization": f"Bearer {tokens['coord']}", **XML},
    )
    assert response.status_code == 422
    assert "certificate" in response.json()["detail"].lower()

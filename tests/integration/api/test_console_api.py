"""What the node serves its console: the page, the session that opens the stream, the zone map."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from tests.fakes.http_server import serve
from tests.integration.api.conftest import DEMO, Api

from tanbih.api.app import create_app
from tanbih.api.console import STATIC_DIR
from tanbih.api.console_session import COOKIE
from tanbih.demo import DemoPost, read_tokens
from tanbih.settings import Settings

STREAM_WAIT_S = 10.0


@pytest.mark.skipif(not (STATIC_DIR / "index.html").exists(), reason="console not built (make web)")
async def test_a_browser_gets_the_console_and_an_api_client_the_links(api: Api) -> None:
    """``/`` answers HTML under a strict content security policy to a browser, JSON otherwise."""
    page = await api.client.get("/", headers={"Accept": "text/html,application/xhtml+xml"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert b'src="/console/console.js"' in page.content
    links = (await api.client.get("/", headers={"Accept": "application/json"})).json()
    assert links["alerts"] == "/api/v1/alerts"
    assets = await api.client.get("/console/console.js")
    assert assets.status_code == 200


async def test_logging_in_gives_the_profile_and_a_stream_only_session_cookie(api: Api) -> None:
    """The login answers who the partner is and sets an HttpOnly, SameSite cookie for the stream."""
    refused = await api.client.post("/api/v1/console/session")
    assert refused.status_code == 401
    response = await api.client.post("/api/v1/console/session", headers=api.auth("il"))
    assert response.status_code == 200
    profile = response.json()
    assert profile["partner"]["id"] == "il"
    assert profile["senders"] == ["hfc@il.example.org", "airwatch@il.example.org"]
    assert {p["id"] for p in profile["partners"]} >= {"coord", "il", "sa", "jo"}
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{COOKIE}=")
    assert {"httponly", "path=/api/v1/stream", "samesite=strict"} <= {
        part.strip() for part in cookie.split(";")
    }
    out = await api.client.delete("/api/v1/console/session")
    assert out.status_code == 204
    assert "max-age=0" in out.headers["set-cookie"].lower()


async def test_the_zone_map_is_gzipped_and_revalidated_by_entity_tag(api: Api) -> None:
    """The zones come gzipped with an ETag; asking again with that tag answers 304, no body."""
    assert (await api.client.get("/api/v1/zones")).status_code == 401
    response = await api.client.get(
        "/api/v1/zones", headers=api.auth("il", **{"Accept-Encoding": "gzip"})
    )
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert len(response.json()["features"]) == len(api.coalition.zones)
    again = await api.client.get(
        "/api/v1/zones", headers=api.auth("il", **{"If-None-Match": response.headers["etag"]})
    )
    assert again.status_code == 304
    assert again.content == b""


async def test_the_session_cookie_opens_the_stream_and_a_forged_one_does_not(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Over real HTTP, the stream accepts the login's cookie in place of a bearer token."""
    settings = Settings(
        coalition_file=DEMO / "coalition.yaml", data_dir=tmp_path, database_url=sqlite_url
    )
    tokens = read_tokens(DEMO / "demo-tokens.env")
    async with (
        serve(create_app(settings), lifespan=True) as url,
        httpx.AsyncClient(base_url=url, timeout=STREAM_WAIT_S) as client,
    ):
        login = await client.post(
            "/api/v1/console/session", headers={"Authorization": f"Bearer {tokens['il']}"}
        )
        assert login.status_code == 200
        async with client.stream("GET", "/api/v1/stream") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            async with asyncio.timeout(STREAM_WAIT_S):
                first = await anext(stream.aiter_lines())
            assert first.startswith(":")
        forged = login.cookies[COOKIE].replace("sha256:", "sha256:0", 1)
        client.cookies.clear()
        client.cookies.set(COOKIE, forged)
        refused = await client.get("/api/v1/stream")
        assert refused.status_code == 401
        assert "log in again" in refused.json()["detail"]


async def test_acknowledgements_of_several_alerts_come_in_one_answer(
    api: Api, posts: list[DemoPost]
) -> None:
    """The batch answers each known message's event acknowledgements and leaves unknown ids out."""
    uav, coordinators = posts[0], posts[3]
    for post in (uav, coordinators):
        assert (await api.post(post)).status_code == 201
    ids = {
        s["identifier"]: s["id"]
        for s in (await api.client.get("/api/v1/alerts", headers=api.auth("coord"))).json()
    }
    uav_id, warning_id = ids[uav.alert.identifier], ids[coordinators.alert.identifier]
    acked = await api.client.post(f"/api/v1/alerts/{warning_id}/ack", headers=api.auth("jo"))
    assert acked.status_code == 200
    answer = await api.client.get(
        "/api/v1/console/acks",
        params=[("alert", uav_id), ("alert", warning_id), ("alert", "no-such-id")],
        headers=api.auth("il"),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert set(body) == {uav_id, warning_id}
    assert body[uav_id] == []
    assert [(a["partner"], a["via"]) for a in body[warning_id]] == [("jo", "console")]

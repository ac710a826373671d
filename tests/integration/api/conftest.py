"""A real app over a real store, with the demo coalition and its demo tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from tests.conftest import REPO_ROOT

from tanbih import cap
from tanbih.api.app import create_app
from tanbih.demo import DemoPost, demo_posts, read_tokens
from tanbih.domain.coalition import Coalition
from tanbih.node import Node
from tanbih.settings import Settings

DEMO = REPO_ROOT / "examples" / "coalition"
XML = {"Content-Type": "application/cap+xml"}


class Api:
    """A client bound to one node, with a partner's token at hand."""

    def __init__(self, client: httpx.AsyncClient, node: Node, tokens: dict[str, str]) -> None:
        self.client = client
        self.node = node
        self.tokens = tokens

    def auth(self, partner_id: str, **headers: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[partner_id]}", **headers}

    async def post(self, post: DemoPost) -> httpx.Response:
        return await self.client.post(
            "/api/v1/alerts",
            content=cap.emit_xml(post.alert),
            headers=self.auth(post.partner.id, **XML),
        )

    async def count(self) -> int:
        listed = await self.client.get("/api/v1/alerts", headers=self.auth(self.any_partner))
        return len(listed.json())

    @property
    def any_partner(self) -> str:
        return next(iter(self.tokens))

    @property
    def coalition(self) -> Coalition:
        return self.node.coalition


@pytest.fixture
async def api(store_url: str, tmp_path: Path) -> AsyncIterator[Api]:
    settings = Settings(
        coalition_file=DEMO / "coalition.yaml",
        data_dir=tmp_path,
        database_url=store_url,
        max_body_bytes=64 * 1024,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
            yield Api(client, app.state.node, read_tokens(DEMO / "demo-tokens.env"))


@pytest.fixture
def posts(api: Api) -> list[DemoPost]:
    return demo_posts(api.coalition, datetime.now(UTC).replace(microsecond=0))

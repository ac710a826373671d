"""A real node for the console's browser tests: the app over real HTTP, in a thread of its own.

Playwright's sync API runs its own event loop, so the node cannot share the test's: it runs on
a loop in a background thread, its lifespan entered once, uvicorn serving it on a loopback
socket bound beforehand. ``stop_serving``/``serve`` take the HTTP server down and up again on
the same port while the node (store, stream hub, loops) keeps running, which is how a test
drops every browser connection at once.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Coroutine
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import uvicorn
from tests.conftest import REPO_ROOT
from tests.fakes.http_server import LOOPBACK

from tanbih.api.app import create_app
from tanbih.demo import read_tokens
from tanbih.settings import Settings

DEMO = REPO_ROOT / "examples" / "coalition"
CALL_TIMEOUT_S = 30.0
# Seconds open streams get to end when the server stops; then uvicorn cancels them.
DRAIN_S = 1
T = TypeVar("T")

# Zones of the demo coalition the tests warn, with their names in the three languages.
ABU_GOSH = "il-5000511"
ABU_GOSH_NAMES = {"en": "Abu Gosh", "he": "אבו גוש", "ar": "آبو غوش"}


class ServedNode:
    """The node's app served over loopback HTTP from a background thread."""

    def __init__(self, data_dir: Path, coalition_file: Path = DEMO / "coalition.yaml") -> None:
        settings = Settings(
            coalition_file=coalition_file,
            data_dir=data_dir,
            database_url=f"sqlite+aiosqlite:///{data_dir / 'tanbih.db'}",
        )
        self.app = create_app(settings)
        self.tokens = read_tokens(DEMO / "demo-tokens.env")
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self._lifespan: AbstractAsyncContextManager[object] | None = None
        self._server: uvicorn.Server | None = None
        self._serving: asyncio.Task[None] | None = None
        self.port = 0

    @property
    def url(self) -> str:
        """The node's base URL."""
        return f"http://{LOOPBACK}:{self.port}"

    def start(self) -> None:
        """Start the node (its lifespan) and serve it."""
        self._thread.start()
        lifespan = self.app.router.lifespan_context(self.app)
        self._call(lifespan.__aenter__())
        self._lifespan = lifespan
        self.serve()

    def serve(self) -> None:
        """Serve on the node's port (a free one the first time), listening before this returns."""
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((LOOPBACK, self.port))
        listener.listen(128)
        self.port = listener.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="critical",
            access_log=False,
            ws="none",
            http="h11",
            timeout_graceful_shutdown=DRAIN_S,
        )
        self._server = uvicorn.Server(config)
        server = self._server

        async def start_serving() -> asyncio.Task[None]:
            return asyncio.create_task(server.serve(sockets=[listener]))

        self._serving = self._call(start_serving())

    def stop_serving(self) -> None:
        """Stop serving HTTP: every connection drops, the node itself keeps running."""
        server, serving = self._server, self._serving
        if server is None or serving is None:
            return
        server.should_exit = True

        async def stopped() -> None:
            await serving

        self._call(stopped())
        self._server = self._serving = None

    def close(self) -> None:
        """Stop serving, end the node's lifespan and the thread's loop."""
        self.stop_serving()
        if self._lifespan is not None:
            self._call(self._lifespan.__aexit__(None, None, None))
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=CALL_TIMEOUT_S)
        self._loop.close()

    def post(self, partner: str, alert: dict[str, Any]) -> dict[str, Any]:
        """Post a CAP message (JSON mirror) as ``partner`` through the node's own app."""

        async def posted() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app)
            async with httpx.AsyncClient(transport=transport, base_url="http://node") as client:
                return await client.post("/api/v1/alerts", json=alert, headers=self.auth(partner))

        response = self._call(posted())
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()["alert"]
        return body

    def get(self, partner: str, path: str, **params: str) -> Any:
        """GET a JSON resource as ``partner`` over HTTP."""
        response = httpx.get(
            f"{self.url}{path}", params=params, headers=self.auth(partner), timeout=10
        )
        response.raise_for_status()
        return response.json()

    def auth(self, partner: str) -> dict[str, str]:
        """The partner's bearer header."""
        return {"Authorization": f"Bearer {self.tokens[partner]}"}

    def _call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CALL_TIMEOUT_S)


def cap_alert(
    identifier: str,
    *,
    status: str = "Exercise",
    response: str = "Shelter",
    zone: str = ABU_GOSH,
    sender: str = "hub@coord.example.org",
    eta_s: int = 300,
) -> dict[str, Any]:
    """A CAP warning (JSON mirror) for one zone, with its ETA and time to shelter."""
    now = datetime.now(UTC).replace(microsecond=0)

    def cap_time(at: datetime) -> str:
        return at.isoformat()

    infos = [
        {
            "language": language,
            "category": ["Security"],
            "event": "Hostile UAV",
            "responseType": [response],
            "urgency": "Immediate",
            "severity": "Severe",
            "certainty": "Observed",
            "expires": cap_time(now + timedelta(minutes=30)),
            "headline": f"{status.upper()} {identifier}: take shelter",
            "parameter": [
                {
                    "valueName": f"tanbih:eta:{zone}",
                    "value": cap_time(now + timedelta(seconds=eta_s)),
                },
                {"valueName": f"tanbih:shelter_seconds:{zone}", "value": "90"},
            ],
            "area": [
                {
                    "areaDesc": ABU_GOSH_NAMES[language],
                    "geocode": [{"valueName": "tanbih:zone", "value": zone}],
                }
            ],
        }
        for language in ("en", "he", "ar")
    ]
    return {
        "identifier": identifier,
        "sender": sender,
        "sent": cap_time(now),
        "status": status,
        "msgType": "Alert",
        "scope": "Restricted",
        "restriction": "coalition members only",
        "info": infos,
    }

"""The duty officer's console: its page at ``/``, its assets, its session and its base map.

The page and its assets are built from ``web/`` by ``make`` into ``tanbih/web_static`` and
served as files; nothing is fetched from another host (the content security policy says so
to the browser as well). Everything the console shows comes from the partner-authenticated
API, so the node, not the page, decides what a partner sees.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, FastAPI, Query, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from tanbih.api.acks import AckView
from tanbih.api.auth import BearerCredentials, CurrentNode, CurrentPartner
from tanbih.api.console_session import close_session, open_session
from tanbih.api.problems import PROBLEM_RESPONSES, ApiProblem
from tanbih.api.released import known_record
from tanbih.api.zone_map import ZoneMap, zone_map
from tanbih.coalition.tokens import hash_token
from tanbih.domain.coalition import Partner
from tanbih.node import Node

STATIC_DIR = Path(__file__).resolve().parent.parent / "web_static"
ASSETS_PATH = "/console"
# The page loads only its own assets and talks only to its node.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)

router = APIRouter(tags=["console"])


class PartnerView(BaseModel):
    """A member of the coalition as the console names it."""

    id: str
    name: str
    role: str
    languages: list[str]

    @classmethod
    def of(cls, partner: Partner) -> PartnerView:
        """The view of a coalition member."""
        return cls(
            id=partner.id,
            name=partner.name,
            role=partner.role.value,
            languages=list(partner.languages),
        )


class ConsoleProfile(BaseModel):
    """Who is logged in, what it may post as, and the coalition's members."""

    coalition: str
    partner: PartnerView
    senders: list[str]
    partners: list[PartnerView]


@router.get(
    "/",
    summary="The console's page for a browser; where things are for an API client",
    response_model=None,
    responses={200: {"content": {"text/html": {}, "application/json": {}}}, 503: {}},
)
async def index(request: Request) -> FileResponse | JSONResponse:
    """The console to a browser (``Accept: text/html``); links to the API to anything else."""
    if "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(
            {
                "name": "tanbih",
                "console": "/",
                "alerts": "/api/v1/alerts",
                "openapi": "/openapi.json",
                "health": "/healthz",
                "metrics": "/metrics",
                "threats": "/api/v1/threats",
                "observations": "/api/v1/observations",
            }
        )
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        raise ApiProblem(
            503,
            "console-not-built",
            "Console not built",
            "the console's assets are missing: run `make web` (npm) before starting the node",
        )
    return FileResponse(
        index,
        media_type="text/html; charset=utf-8",
        headers={"Cache-Control": "no-cache", "Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )


def mount_assets(app: FastAPI) -> None:
    """Serve the built assets under ``/console`` when they exist (``/`` explains otherwise)."""
    if STATIC_DIR.is_dir():
        app.mount(ASSETS_PATH, StaticFiles(directory=STATIC_DIR), name="console-assets")


@router.post(
    "/api/v1/console/session",
    response_model=ConsoleProfile,
    responses=PROBLEM_RESPONSES,
    summary="Log a console in: its profile, and a session cookie for the stream",
)
async def log_in(
    request: Request,
    response: Response,
    node: CurrentNode,
    partner: CurrentPartner,
    credentials: BearerCredentials,
) -> ConsoleProfile:
    """The partner's profile; sets the cookie that lets ``EventSource`` open the stream."""
    if credentials is not None:  # always set once ``partner`` is known
        open_session(response, request, hash_token(credentials.credentials))
    return ConsoleProfile(
        coalition=node.coalition.name,
        partner=PartnerView.of(partner),
        senders=list(partner.senders),
        partners=[PartnerView.of(p) for p in node.coalition.partners],
    )


@router.delete(
    "/api/v1/console/session",
    status_code=204,
    response_class=Response,
    summary="Log a console out: drop its stream session cookie",
)
async def log_out(response: Response) -> None:
    """Ask the browser to forget the session cookie."""
    close_session(response)


MAX_ACK_ALERTS = 200


@router.get(
    "/api/v1/console/acks",
    response_model=dict[str, list[AckView]],
    responses=PROBLEM_RESPONSES,
    summary="Acknowledgements of several messages' events at once, by message id",
)
async def acknowledgements(
    node: CurrentNode,
    partner: CurrentPartner,
    alert: Annotated[list[str], Query(max_length=MAX_ACK_ALERTS, description="message ids")],
) -> dict[str, list[AckView]]:
    """What ``GET /api/v1/alerts/{id}/acks`` answers, for every active alert in one request.

    One request, not one per alert: a browser opens few connections to a host, and a poll of
    many alerts would queue the fetch of a new one behind it. Unknown ids, and messages the
    sharing matrix withholds from the partner, are left out.
    """
    answer: dict[str, list[AckView]] = {}
    for alert_id in dict.fromkeys(alert):
        record = await known_record(node, alert_id, partner)
        if record is not None:
            acks = await node.store.acknowledgements(record.thread_id)
            answer[alert_id] = [AckView.of(a, first=True) for a in acks]
    return answer


@router.get(
    "/api/v1/zones",
    response_class=Response,
    responses={
        200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}},
        304: {"description": "Not modified since the entity tag sent."},
        **PROBLEM_RESPONSES,
    },
    summary="The coalition's zones as simplified GeoJSON: owner, names, time to shelter",
)
async def get_zones(request: Request, node: CurrentNode, partner: CurrentPartner) -> Response:
    """The base map's zones, gzipped when the client accepts it, revalidated by entity tag."""
    zones = await _zone_map(request, node)
    headers = {"ETag": zones.etag, "Cache-Control": "private, no-cache", "Vary": "Accept-Encoding"}
    if request.headers.get("if-none-match") == zones.etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(zones.gzipped, media_type="application/geo+json", headers=headers)
    return Response(zones.body, media_type="application/geo+json", headers=headers)


async def _zone_map(request: Request, node: Node) -> ZoneMap:
    # Built on first use (a third of a second of shapely), once per node; concurrent first
    # requests share the one build, and a client hanging up does not cancel it.
    state = request.app.state
    build: asyncio.Task[ZoneMap] | None = getattr(state, "zone_map", None)
    if build is None:
        build = asyncio.create_task(asyncio.to_thread(zone_map, list(node.zones.values())))
        state.zone_map = build
    return await asyncio.shield(build)

"""``/healthz``: whether the node is up and its store answers."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from tanbih.api.auth import CurrentNode
from tanbih.domain.records import AlertQuery
from tanbih.errors import StoreError

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness, store readiness and links to peers")
async def healthz(node: CurrentNode) -> JSONResponse:
    """200 with the coalition's name and version when the store answers, else 503; with
    peers, the counts of this process's links."""
    try:
        await node.store.search(AlertQuery(limit=1))
    except StoreError as exc:
        return JSONResponse({"status": "unavailable", "detail": str(exc)}, status_code=503)
    coalition = node.coalition
    body: dict[str, object] = {
        "status": "ok",
        "node": coalition.node.partner_id,
        "coalition": coalition.name,
        "coalitionVersion": coalition.version,
    }
    if node.links is not None:
        # This process's links since it started: what it sent to peers, what it refused.
        body["links"] = {
            "peers": sorted(node.links.federation.peers - {coalition.node.partner_id}),
            "sent": node.links.outbound.sent,
            "refused": node.links.inbound.refused,
        }
    return JSONResponse(body)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response)
async def metrics(node: CurrentNode) -> Response:
    """The node's metrics in Prometheus' text format, the outbox's depth read at the scrape."""
    # The store away: the gauge keeps its last reading, and /healthz says why.
    with contextlib.suppress(StoreError):
        node.metrics.queue_depth.set(await node.store.queue_depth(node.clock.now()))
    return Response(node.metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

"""The FastAPI application: routers, problem handlers and the node's lifespan."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

import tanbih
from tanbih.api import (
    acks,
    alerts,
    carrier_callbacks,
    console,
    health,
    observations,
    responses,
    stream,
)
from tanbih.api.observation_models import ObservationJson
from tanbih.api.problems import PROBLEM_HANDLED, handle_problem
from tanbih.cap import AlertJson
from tanbih.node import start_node
from tanbih.ports import Clock
from tanbih.settings import Settings


def create_app(
    settings: Settings, clock: Clock | None = None, *, long_running: bool = False
) -> FastAPI:
    """An app that starts a node from ``settings`` and closes it on shutdown.

    ``clock`` replaces the wall clock (exercises, tests); ``long_running`` (``serve``,
    ``demo``) moves the start-up objects out of the garbage collector's sight.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        node = await start_node(settings, clock)
        app.state.node = node
        if long_running:
            # The start-up objects (coalition, zone index...) live as long as the process: moved
            # out of the collector's sight, a full collection no longer stalls the streams.
            gc.collect()
            gc.freeze()
        try:
            yield
        finally:
            await node.close()

    app = FastAPI(
        title="tanbih",
        version=tanbih.__version__,
        description="Coalition air-threat early warning over CAP 1.2.",
        lifespan=lifespan,
        # The interactive docs pages load scripts from a CDN; the node serves none.
        docs_url=None,
        redoc_url=None,
    )
    for exception in PROBLEM_HANDLED:
        app.add_exception_handler(exception, handle_problem)
    app.include_router(health.router)
    app.include_router(alerts.router)
    app.include_router(observations.router)
    app.include_router(acks.router)
    app.include_router(stream.router)
    app.include_router(carrier_callbacks.router)
    app.include_router(console.router)
    app.include_router(responses.router)
    console.mount_assets(app)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The app of a long-running node configured by ``TANBIH_*`` (``serve --workers``)."""
    return create_app(Settings.from_env(), long_running=True)


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's description plus the CAP JSON mirror's schema, which the POST body names."""
    if app.openapi_schema is None:
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (AlertJson, ObservationJson):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body
        app.openapi_schema = schema
    return app.openapi_schema

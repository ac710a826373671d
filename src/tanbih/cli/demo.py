"""``tanbih demo``: serve the demo coalition and play example Exercise messages into it."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from rich.console import Console

from tanbih.api.app import create_app
from tanbih.demo import demo_posts, play, read_tokens
from tanbih.demo_systems import start_partner_systems
from tanbih.exercise.remote import play_into_node
from tanbih.exercise.scenario import load_scenario
from tanbih.node import Node
from tanbih.settings import Settings

_console = Console()
_START_TIMEOUT_S = 30.0
# Between two rounds of the scenario, so each round's all clear is seen before the next.
REPLAY_PAUSE_S = 60.0


async def run_demo(settings: Settings, scenario_file: Path | None) -> None:
    """Serve until interrupted; once the server listens, post the demo messages through it,
    start the partners' systems, and play the exercise scenario in real time, in a loop."""
    scenario = load_scenario(scenario_file) if scenario_file else None
    app = create_app(settings, long_running=True)
    server = uvicorn.Server(
        uvicorn.Config(app, host=settings.host, port=settings.port, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    await _wait_until_listening(server, serving)
    async with AsyncExitStack() as stack:
        if not serving.done():
            node: Node = app.state.node
            ports = await start_partner_systems(node.coalition, node.secret.decode(), stack)
            _console.print(f"partner systems listening on 127.0.0.1 ports {ports}")
            await _play_into(app, settings)
            if scenario is not None:
                base_url = f"http://{settings.host}:{settings.port}"
                token_file = settings.coalition_file.parent / "demo-tokens.env"
                playing = asyncio.create_task(
                    play_into_node(
                        scenario, base_url, token_file, None, REPLAY_PAUSE_S, answer=True
                    )
                )
                stack.callback(playing.cancel)
                _console.print(
                    f"playing the exercise {scenario.name!r} in real time, each round new"
                )
        await serving


async def _wait_until_listening(server: uvicorn.Server, serving: asyncio.Task[None]) -> None:
    # uvicorn exposes no start-up event, only the ``started`` flag; poll it, bounded.
    deadline = asyncio.get_running_loop().time() + _START_TIMEOUT_S
    while not server.started and not serving.done():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the node did not start within {_START_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.05)


async def _play_into(app: FastAPI, settings: Settings) -> None:
    node: Node = app.state.node
    tokens = read_tokens(settings.coalition_file.parent / "demo-tokens.env")
    posts = demo_posts(node.coalition, datetime.now(UTC))
    base_url = f"http://{settings.host}:{settings.port}"
    statuses = await play(base_url, posts, tokens)
    for post, status in zip(posts, statuses, strict=True):
        alert = post.alert
        _console.print(
            f"[bold]{status}[/] {alert.status} {alert.msg_type:<6} {alert.identifier} "
            f"from {post.partner.id}"
        )
    _console.print(f"[green]demo node ready on {base_url}[/] (Ctrl-C to stop)")

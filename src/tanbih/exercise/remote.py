"""Play a scenario into a running node over its API, in real time, so people in the console
take part: the sensors' reports to ``POST /api/v1/observations``, the messages to
``POST /api/v1/alerts``, each as the partner whose it is (with that partner's token).

Times are shifted to now; each round gets fresh report, track and message ids, so every round
is new to the node. Nothing is simulated on the node's side: its own channels deliver.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from tanbih import cap
from tanbih.api.observation_models import observation_body
from tanbih.demo import read_tokens
from tanbih.domain.cap import Alert, Reference
from tanbih.domain.observation import Observation
from tanbih.exercise.injects import AlertInject, ObservationInject, Timeline, timeline
from tanbih.exercise.people import DutyOfficers
from tanbih.exercise.scenario import Scenario

_console = Console()
# How often the simulated duty officers look for new warnings.
ANSWER_POLL_S = 2.0
_ZONE_WORD = re.compile(r"[a-z]{2,5}-[A-Za-z0-9.\-]+")


def observation_json(obs: Observation, shift: timedelta, suffix: str) -> dict[str, Any]:
    """A report as the API takes it, ``shift`` later and with ids ending in ``suffix``."""
    impact = obs.impact
    if impact is not None and impact.time is not None:
        impact = replace(impact, time=impact.time + shift)
    return observation_body(
        replace(
            obs,
            id=f"{obs.id}{suffix}",
            time=obs.time + shift,
            track_id=None if obs.track_id is None else f"{obs.track_id}{suffix}",
            impact=impact,
        )
    )


def shifted_alert(alert: Alert, shift: timedelta, suffix: str) -> Alert:
    """``alert`` sent ``shift`` later, its identifier and references ending in ``suffix``."""
    return replace(
        alert,
        identifier=f"{alert.identifier}{suffix}",
        sent=(alert.sent + shift).replace(microsecond=0),
        references=tuple(
            Reference(r.sender, f"{r.identifier}{suffix}", (r.sent + shift).replace(microsecond=0))
            for r in alert.references
        ),
        infos=tuple(
            replace(i, expires=None if i.expires is None else i.expires + shift)
            for i in alert.infos
        ),
    )


async def play_into_node(
    scenario: Scenario,
    base_url: str,
    token_file: Path,
    rounds: int | None = 1,
    pause_s: float = 30.0,
    *,
    answer: bool = False,
) -> None:
    """Play the scenario ``rounds`` times (``None``: forever) into the node at ``base_url``.

    ``answer``: the scenario's duty officers acknowledge the warnings of their zones through
    the API, as the console does, after their time (for a demo nobody watches).
    """
    tokens = read_tokens(token_file)
    plan = timeline(scenario)
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        answering: asyncio.Task[None] | None = None
        if answer:
            officers = DutyOfficers(scenario.file.actions, scenario.start)
            answering = asyncio.create_task(_answer_forever(client, scenario, tokens, officers))
        try:
            for number in count(1):
                if rounds is not None and number > rounds:
                    return
                await _round(client, plan, tokens, scenario, number)
                _console.print(f"round {number} of {scenario.name!r} played")
                await asyncio.sleep(pause_s)
        finally:
            if answering is not None:
                answering.cancel()


async def _round(
    client: httpx.AsyncClient,
    plan: Timeline,
    tokens: dict[str, str],
    scenario: Scenario,
    number: int,
) -> None:
    began = time.monotonic()
    shift = datetime.now(UTC) - scenario.start
    suffix = f"-r{number}-{int(time.time())}"
    for inject in plan.injects:
        delay = inject.at_s - (time.monotonic() - began)
        if delay > 0:
            await asyncio.sleep(delay)  # real time: people take part
        await _post(client, inject, tokens, shift, suffix)
    # The scenario lasts its duration: answers and escalation still come after the last inject.
    await asyncio.sleep(max(scenario.file.duration_s - (time.monotonic() - began), 0.0))


async def _answer_forever(
    client: httpx.AsyncClient,
    scenario: Scenario,
    tokens: dict[str, str],
    officers: DutyOfficers,
) -> None:
    """Acknowledge, per partner, each new warning naming one of its zones, after its time."""
    zones_of: dict[str, set[str]] = {}
    for zone in scenario.coalition.zones:
        zones_of.setdefault(zone.partner_id, set()).add(zone.id)
    # The coordinator sees every message; any partner will do in a coalition without one.
    coordinator = scenario.coalition.coordinator
    reader = tokens.get(coordinator.id if coordinator else "", next(iter(tokens.values())))
    seen: set[str] = set()
    pending: set[asyncio.Task[None]] = set()  # kept, so the event loop does not drop them
    since = datetime.now(UTC)
    while True:
        listed = await client.get(
            "/api/v1/alerts",
            params={"status": "Exercise", "sentAfter": since.isoformat(), "limit": 100},
            headers={"Authorization": f"Bearer {reader}"},
        )
        for summary in listed.json() if listed.status_code == 200 else []:
            if summary["id"] in seen or summary["msgType"] not in {"Alert", "Update"}:
                continue
            seen.add(summary["id"])
            body = (
                await client.get(summary["href"], headers={"Authorization": f"Bearer {reader}"})
            ).text
            named = set(_ZONE_WORD.findall(body))
            for partner_id, zones in zones_of.items():
                wait = officers.answer_after(partner_id, scenario.start)
                if partner_id in tokens and wait is not None and named & zones:
                    answer = _ack_later(client, summary["href"], tokens[partner_id], wait)
                    pending.add(asyncio.create_task(answer))
        pending = {task for task in pending if not task.done()}
        await asyncio.sleep(ANSWER_POLL_S)


async def _ack_later(client: httpx.AsyncClient, href: str, token: str, wait: float) -> None:
    await asyncio.sleep(wait)  # the duty officer's time to answer
    await client.post(f"{href}/ack", headers={"Authorization": f"Bearer {token}"})


async def _post(
    client: httpx.AsyncClient,
    inject: ObservationInject | AlertInject,
    tokens: dict[str, str],
    shift: timedelta,
    suffix: str,
) -> None:
    if isinstance(inject, ObservationInject):
        obs = inject.observation
        headers = {"Authorization": f"Bearer {tokens[obs.partner_id]}"}
        response = await client.post(
            "/api/v1/observations", json=observation_json(obs, shift, suffix), headers=headers
        )
    else:
        alert = shifted_alert(inject.alert, shift, suffix)
        response = await client.post(
            "/api/v1/alerts",
            content=cap.emit_xml(alert),
            headers={
                "Authorization": f"Bearer {tokens[inject.partner_id]}",
                "Content-Type": "application/cap+xml",
            },
        )
    if response.status_code >= 400:
        _console.print(f"[red]{response.status_code}[/] {response.text[:200]}")

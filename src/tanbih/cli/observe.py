"""``tanbih observe`` and ``tanbih assess``: observations from a JSON-lines file.

``observe`` posts them to a running node; ``assess`` runs the assessment offline on a simulated
clock (each report's own time) and prints the warnings it would issue.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from tanbih.api.observation_models import ObservationJson
from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert
from tanbih.domain.observation import Observation
from tanbih.pipeline.offline import assess_offline
from tanbih.settings import DEFAULT_COALITION

_console = Console()
BATCH = 500


def read_observations(path: Path, partner_id: str) -> Iterator[tuple[int, Observation]]:
    """Each line's observation (as reported by ``partner_id`` unless the line says ``partner``)."""
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                document = json.loads(line)
                reporter = document.pop("partner", partner_id)
                # Validated as JSON, so strict mode reads times and classes as the API does.
                parsed = ObservationJson.model_validate_json(json.dumps(document))
                yield number, parsed.to_domain(reporter)
            except (json.JSONDecodeError, ValidationError, AttributeError) as exc:
                raise typer.BadParameter(f"{path}:{number}: {exc}") from exc


def observe(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines.")],
    node: Annotated[str, typer.Option(help="The node's base URL.")] = "http://127.0.0.1:8000",
    token: Annotated[str, typer.Option(envvar="TANBIH_TOKEN", help="The partner's token.")] = "",
    partner: Annotated[
        str | None, typer.Option(help="Post only lines whose `partner` is this one.")
    ] = None,
    rebase: Annotated[
        bool, typer.Option(help="Shift the times so the last report is now (a recorded file).")
    ] = False,
) -> None:
    """Post the observations in FILE to a running node, in batches; print what became of each.

    The token says who reports. Lines naming a ``partner`` (files made for ``tanbih assess``)
    are posted only with ``--partner``, and only that partner's.
    """
    lines = _lines_of(file, partner)
    if rebase:
        lines = _rebased(lines, datetime.now(UTC))
    failed = 0
    with httpx.Client(base_url=node, timeout=30) as client:
        for start in range(0, len(lines), BATCH):
            batch = "[" + ",".join(lines[start : start + BATCH]) + "]"
            response = client.post(
                "/api/v1/observations",
                content=batch,
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            if response.status_code != 200:
                failed += 1
                _console.print(f"[red]lines {start + 1}-{start + BATCH}: {response.status_code}[/]")
                for error in response.json().get("errors", [])[:20]:
                    _console.print(f"  {error['where']}: {error['message']}")
                continue
            for result in response.json():
                issued = ", ".join(result["issued"]) or "-"
                _console.print(
                    f"{result['id']}: {result['association']} {result['threat']} {issued}"
                )
    if failed:
        raise typer.Exit(code=1)


def _lines_of(file: Path, partner: str | None) -> list[str]:
    """The lines to post, without their ``partner`` field."""
    chosen: list[str] = []
    for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        document = json.loads(line)
        named = document.pop("partner", None)
        if named is not None and partner is None:
            raise typer.BadParameter(f"{file}:{number} names partner {named!r}: pass --partner")
        if named is None or named == partner:
            chosen.append(json.dumps(document))
    return chosen


def _rebased(lines: list[str], now: datetime) -> list[str]:
    """The lines with every time (and impact time) moved by one offset: the last is ``now``."""
    documents = [json.loads(line) for line in lines]
    times = [datetime.fromisoformat(d["time"]) for d in documents]
    shift = now - max(times, default=now)
    for document, time in zip(documents, times, strict=True):
        document["time"] = (time + shift).isoformat()
        impact = document.get("impact") or {}
        if impact.get("time"):
            impact["time"] = (datetime.fromisoformat(impact["time"]) + shift).isoformat()
    return [json.dumps(d) for d in documents]


def assess(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON lines.")],
    coalition_file: Annotated[Path, typer.Option("--coalition")] = DEFAULT_COALITION,
    partner: Annotated[str, typer.Option(help="Reporting partner of lines that name none.")] = "",
) -> None:
    """Run the assessment on FILE offline and print the warnings it would issue."""
    coalition = load_coalition(coalition_file)
    reporter = partner or coalition.node.partner_id
    observations = [obs for _, obs in read_observations(file, reporter)]
    alerts = asyncio.run(assess_offline(coalition, observations))
    _console.print(_table(alerts))
    _console.print(f"{len(observations)} observations, {len(alerts)} warnings")


def _table(alerts: list[Alert]) -> Table:
    table = Table("sent", "message", "status", "stage: zones", "first zones")
    for alert in alerts:
        stages: dict[str, list[str]] = {}
        for info in alert.infos:
            if not info.language.startswith("en"):
                continue
            for response in info.response_types:
                stages.setdefault(response.value, []).extend(a.area_desc for a in info.areas)
        table.add_row(
            alert.sent.strftime("%H:%M:%S"),
            f"{alert.msg_type} {alert.identifier.rsplit(':', 2)[-2]}",
            alert.status.value,
            ", ".join(f"{stage}: {len(zones)}" for stage, zones in stages.items()),
            "; ".join(zone for zones in stages.values() for zone in zones[:3]),
        )
    return table

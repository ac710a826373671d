"""``tanbih exercise``: check a scenario, run it through the real pipeline, report on it."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.live import Live
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tanbih.errors import ScenarioError
from tanbih.exercise.record import RunRecord
from tanbih.exercise.scenario import Scenario, load_scenario
from tanbih.exercise.schema import ScenarioFile

if TYPE_CHECKING:
    from tanbih.exercise.runner import RunOptions, RunResult
    from tanbih.exercise.scores import Scores

app = typer.Typer(help="Exercises: scenarios run through the real pipeline, scored.")
_console = Console()


@app.command()
def check(scenario: Path) -> None:
    """Validate a scenario file: every problem with its path and line."""
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as exc:
        for problem in exc.problems:
            _console.print(f"[red]{scenario}[/]: {problem}")
        raise typer.Exit(1) from exc
    file = loaded.file
    _console.print(
        f"{scenario}: ok — {file.name!r}, {file.duration_s:.0f} s, {len(file.threats)} threats, "
        f"{len(file.sensors)} sensors, {len(file.alerts)} messages"
    )


@app.command()
def schema(out: Annotated[Path | None, typer.Option(help="Write it here.")] = None) -> None:
    """The scenario format's JSON Schema (the packaged copy is scenario.schema.json)."""
    text = scenario_schema()
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")


def scenario_schema() -> str:
    """The JSON Schema of scenario files, as packaged."""
    document = ScenarioFile.model_json_schema(by_alias=True)
    document["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    document["$id"] = "https://tanbih.invalid/schemas/tanbih-scenario-1.json"
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


@app.command()
def run(
    scenario: Path,
    speed: Annotated[
        float | None, typer.Option(help="Scenario seconds per real second (1: real time).")
    ] = None,
    as_fast_as_possible: Annotated[
        bool, typer.Option("--as-fast-as-possible", help="Fast-forward (the default).")
    ] = False,
    report: Annotated[
        Path | None, typer.Option(help="After-action report: .html (with a .json beside) or .json")
    ] = None,
    node: Annotated[
        str | None, typer.Option(help="Play into a running node at this URL instead, real time.")
    ] = None,
    tokens: Annotated[
        Path | None, typer.Option(help="With --node: partner tokens (TANBIH_DEMO_TOKEN_<ID>=...).")
    ] = None,
    signing_key: Annotated[
        Path | None, typer.Option(help="The node's CAP signing key (unsigned without).")
    ] = None,
    answer: Annotated[
        bool,
        typer.Option("--answer", help="With --node: the scenario's duty officers acknowledge."),
    ] = False,
) -> None:
    """Run SCENARIO through the real pipeline on a simulated clock; exit 1 if an expectation
    is not met."""
    if speed is not None and as_fast_as_possible:
        raise typer.BadParameter("give --speed or --as-fast-as-possible, not both")
    if speed is not None and speed <= 0:
        raise typer.BadParameter("--speed must be more than 0")
    try:
        loaded = load_scenario(scenario)
    except ScenarioError as exc:
        for problem in exc.problems:
            _console.print(f"[red]{scenario}[/]: {problem}")
        raise typer.Exit(2) from exc
    if node is not None:
        if report is not None:
            raise typer.BadParameter("--report scores a headless run; with --node the node reports")
        from tanbih.exercise.remote import play_into_node  # noqa: PLC0415

        token_file = tokens or loaded.coalition_path.parent / "demo-tokens.env"
        asyncio.run(play_into_node(loaded, node, token_file, rounds=1, pause_s=0, answer=answer))
        return
    # The runner builds a whole node: imported only when a run is asked for.
    from tanbih.exercise.runner import RunOptions  # noqa: PLC0415
    from tanbih.exercise.scoring import score  # noqa: PLC0415

    options = RunOptions(speed=speed, signing_key=signing_key)
    with tempfile.TemporaryDirectory(prefix="tanbih-exercise-") as data_dir:
        result = asyncio.run(_run_with_progress(loaded, Path(data_dir), options))
    scores = score(result)
    _print_summary(scores)
    if report is not None:
        from tanbih.exercise.report import write_report  # noqa: PLC0415

        written = write_report(result, scores, report)
        _console.print("report: " + ", ".join(str(p) for p in written))
    if not scores.passed:
        raise typer.Exit(1)


async def _run_with_progress(loaded: Scenario, data_dir: Path, options: RunOptions) -> RunResult:
    from tanbih.exercise.runner import run_scenario  # noqa: PLC0415

    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=_console,
    )
    task = progress.add_task(loaded.name, total=1.0)
    with Live(
        _live_grid(progress, RunRecord()), console=_console, refresh_per_second=8, transient=False
    ) as live:

        def update(done: float, record: RunRecord) -> None:
            progress.update(task, completed=done)
            live.update(_live_grid(progress, record))

        return await run_scenario(loaded, data_dir, options, update)


def _live_grid(progress: Progress, record: RunRecord) -> Table:
    grid = Table.grid()
    grid.add_row(progress)
    delivered = sum(1 for d in record.deliveries if d.delivered)
    failed = sum(1 for d in record.deliveries if not d.delivered)
    reports = sum(1 for i in record.injects if i.kind == "report")
    messages = sum(1 for i in record.injects if i.kind == "message")
    answers = sum(1 for i in record.injects if i.kind == "answer")
    grid.add_row(
        f"reports {reports} · messages {messages} · delivered {delivered} · failed attempts "
        f"{failed} · answers {answers}"
    )
    return grid


def _print_summary(scores: Scores) -> None:
    table = Table(title="delivery latency (ms)")
    for column in ("channel", "n", "p50", "p95", "p99", "max"):
        table.add_column(column)
    for lat in scores.latency:
        table.add_row(
            lat.kind,
            str(lat.count),
            f"{lat.p50_ms:.1f}",
            f"{lat.p95_ms:.1f}",
            f"{lat.p99_ms:.1f}",
            f"{lat.max_ms:.1f}",
        )
    _console.print(table)
    verdicts: dict[str, int] = {}
    for zone in scores.zones:
        verdicts[zone.verdict] = verdicts.get(zone.verdict, 0) + 1
    _console.print("zones: " + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items())))
    _console.print(
        f"lost {scores.lost} · unmarked {scores.unmarked} · false warnings {scores.false_warnings}"
        f" · withheld {scores.withheld} · redacted {scores.redacted}"
    )
    for finding in scores.findings:
        mark = (
            "[red]FAIL[/]"
            if finding.failed
            else "[yellow]note[/]"
            if finding.note
            else "[green]ok[/]  "
        )
        _console.print(f"{mark} {finding.text}")
    for missing in scores.missing:
        _console.print(f"[yellow]not measured[/] {missing}")
    _console.print(
        "[green]expectations met[/]" if scores.passed else "[red]expectations not met[/]"
    )

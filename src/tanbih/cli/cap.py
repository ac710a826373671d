"""``tanbih cap``: validate CAP 1.2 files, convert between CAP XML and its JSON mirror."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from tanbih.cap import alert_from_json, alert_to_json, emit_xml, parse_xml
from tanbih.domain.cap import Alert
from tanbih.errors import CapError, Problem

app = typer.Typer(
    help="CAP 1.2 messages: validate files, convert CAP XML to its JSON mirror and back.",
    no_args_is_help=True,
)


class Format(StrEnum):
    """The two representations of a CAP message."""

    JSON = "json"
    XML = "xml"


def _console(*, stderr: bool = False) -> Console:
    # No highlighting or wrapping: output stays plain text that scripts and diffs can read.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


@app.command()
def validate(
    files: Annotated[
        list[Path],
        typer.Argument(exists=True, dir_okay=False, readable=True, help="CAP XML or JSON files."),
    ],
) -> None:
    """Check each FILE; print ``ok  FILE`` or ``FAIL FILE`` and each problem; exit 1 on any FAIL."""
    console = _console()
    failed = False
    for path in files:
        try:
            read_alert(path.read_bytes())
        except CapError as exc:
            failed = True
            _report(console, path, exc.problems)
        else:
            console.print(Text.assemble(("ok", "green"), "  ", str(path)))
    if failed:
        raise typer.Exit(1)


@app.command()
def convert(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, readable=True, help="A CAP XML or JSON file."),
    ],
    to: Annotated[
        Format | None,
        typer.Option("--to", help="Output format; by default the other one than FILE's."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write here instead of stdout.")
    ] = None,
) -> None:
    """Convert FILE between CAP XML and JSON (validating it); exit 1 naming problems if invalid."""
    data = file.read_bytes()
    source = input_format(data)
    target = to or (Format.XML if source is Format.JSON else Format.JSON)
    try:
        alert = read_alert(data)
    except CapError as exc:
        _report(_console(stderr=True), file, exc.problems)
        raise typer.Exit(1) from exc
    if target is Format.XML:
        result = emit_xml(alert)
    else:
        text = json.dumps(alert_to_json(alert), indent=2, ensure_ascii=False)
        result = (text + "\n").encode()
    if output is None:
        typer.echo(result, nl=False)
    else:
        output.write_bytes(result)


def input_format(data: bytes) -> Format:
    """JSON if the document starts with ``{`` (after a BOM and white space), else XML."""
    return Format.JSON if data.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{" else Format.XML


def read_alert(data: bytes) -> Alert:
    """The alert in a CAP XML or JSON mirror document; ``CapError`` if refused."""
    if input_format(data) is Format.XML:
        return parse_xml(data)
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = exc.lineno if isinstance(exc, json.JSONDecodeError) else None
        raise CapError([Problem("document", f"not valid JSON: {exc}", line)]) from None
    return alert_from_json(document)


def _report(console: Console, path: Path, problems: tuple[Problem, ...]) -> None:
    console.print(Text.assemble(("FAIL", "bold red"), " ", str(path)))
    for problem in problems:
        console.print(Text(f"    {problem}"))

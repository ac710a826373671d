"""``tanbih audit``: verify the event log's hash chain, export it, show the checkpoint key.

``verify`` exits 0 when every entry verified, 1 when it found a problem (printed with its kind
and seq), 2 when it could not verify at all (no database, unreadable file). The chain format is
in ``tanbih.domain.audit`` and docs/audit.md.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer

from tanbih.adapters.store import SqlStore, current_revision, head_revision, open_store
from tanbih.cli.db import DatabaseUrl, database_url
from tanbih.domain.audit import (
    AuditEntry,
    CheckpointKey,
    canonical,
    entry_document,
    entry_from_document,
)
from tanbih.domain.audit_walk import ChainReport, ChainWalk
from tanbih.errors import StoreError
from tanbih.settings import Settings

app = typer.Typer(
    help="The audit log: verify its hash chain, export it as JSON lines.", no_args_is_help=True
)

PAGE = 1000  # entries read at a time: verify and export hold one page, whatever the log's size
EXIT_PROBLEM, EXIT_UNVERIFIED = 1, 2

SecretFile = Annotated[
    Path | None,
    typer.Option(
        "--node-secret-file",
        help="The node secret, to check checkpoint signatures; default $TANBIH_NODE_SECRET, "
        "else $TANBIH_DATA_DIR/node-secret if it exists.",
        show_default=False,
    ),
]
AuditKey = Annotated[
    str | None,
    typer.Option(
        "--audit-key",
        help="The checkpoint key in hex (`tanbih audit key`), for an auditor without the secret.",
        show_default=False,
    ),
]


@app.command("verify")
def verify_command(
    database_url_option: DatabaseUrl = None,
    file: Annotated[
        Path | None,
        typer.Option("--file", help="Verify an export (JSON lines) instead of the database."),
    ] = None,
    secret_file: SecretFile = None,
    audit_key: AuditKey = None,
) -> None:
    """Walk the chain: ok with its head, or the first bad entry (exit 1).

    A bad entry is altered, removed, reordered, or a checkpoint with a bad signature.
    """
    key = _checkpoint_key(secret_file, audit_key)
    try:
        if file is not None:
            with file.open(encoding="utf-8") as lines:
                report = _verify_lines(lines, key)
        else:
            report = asyncio.run(_verify_database(database_url(database_url_option), key))
    except (StoreError, OSError, ValueError) as exc:
        typer.echo(f"error: could not verify: {exc}", err=True)
        raise typer.Exit(code=EXIT_UNVERIFIED) from exc
    for line in describe(report, key):
        typer.echo(line)
    if not report.ok:
        raise typer.Exit(code=EXIT_PROBLEM)


@app.command("export")
def export_command(
    since: Annotated[
        str, typer.Option(help="Entries from this time (ISO 8601; UTC if no offset).")
    ],
    until: Annotated[
        str | None, typer.Option(help="Entries before this time (ISO 8601; UTC if no offset).")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write; default stdout.")
    ] = None,
    database_url_option: DatabaseUrl = None,
) -> None:
    """Write the entries from SINCE to UNTIL as JSON lines, hashes included.

    The span is whole (every seq between its first and last entry), so the export verifies on
    its own: `tanbih audit verify --file`.
    """
    start, end = _instant(since, "--since"), None if until is None else _instant(until, "--until")
    url = database_url(database_url_option)
    try:
        if output is None:
            span = asyncio.run(_export(url, start, end, typer.get_text_stream("stdout")))
        else:
            with output.open("w", encoding="utf-8", newline="\n") as sink:
                span = asyncio.run(_export(url, start, end, sink))
    except (StoreError, OSError) as exc:
        typer.echo(f"error: could not export: {exc}", err=True)
        raise typer.Exit(code=EXIT_UNVERIFIED) from exc
    where = "" if output is None else f" to {output}"
    if span is None:
        typer.echo(f"no entries in that span{where}", err=True)
    else:
        typer.echo(
            f"exported {span[1] - span[0] + 1} entries, seq {span[0]}-{span[1]}{where}", err=True
        )


@app.command("key")
def key_command(secret_file: SecretFile = None) -> None:
    """Print the checkpoint key (hex) derived from the node secret, to give an auditor."""
    key = _checkpoint_key(secret_file, None)
    if key is None:
        typer.echo("error: no node secret: set --node-secret-file or TANBIH_NODE_SECRET", err=True)
        raise typer.Exit(code=EXIT_UNVERIFIED)
    typer.echo(f"{key.secret.hex()}  (key id {key.key_id})")


def describe(report: ChainReport, key: CheckpointKey | None) -> list[str]:
    """What a walk found, in a few lines: ok and the head, or the first problem."""
    span = f"seq {report.first_seq}-{report.head.seq}" if report.count else "none"
    lines = []
    if report.problem is not None:
        lines.append(f"{report.problem.kind}: seq {report.problem.seq}: {report.problem.detail}")
        lines.append(f"verified before it: {report.count} entries ({span})")
    elif report.first_seq is None:
        lines.append("ok: the log is empty")
    else:
        lines.append(f"ok: {report.count} entries ({span})")
        lines.append(f"head: seq {report.head.seq} {report.head.hash}")
    if report.checkpoints:
        checked = (
            f"signatures verified with key {key.key_id}"
            if key is not None
            else "signatures not checked: give --node-secret-file or --audit-key"
        )
        lines.append(
            f"checkpoints: {report.checkpoints}, the last at seq {report.last_checkpoint}; "
            + checked
        )
    elif report.count:
        lines.append("checkpoints: none")
    return lines


async def _verify_database(url: str, key: CheckpointKey | None) -> ChainReport:
    store = await _reader(url)
    walk = ChainWalk(key=key)
    try:
        after = 0
        while not walk.settled and (page := await store.audit_entries(after, PAGE)):
            for entry in page:
                walk.add(entry)
            after = page[-1].seq
    finally:
        await store.close()
    return walk.report()


def _verify_lines(lines: TextIO, key: CheckpointKey | None) -> ChainReport:
    # An export may begin anywhere: its first entry's link is trusted, the rest are checked.
    walk = ChainWalk(start=None, key=key)
    for entry in _entries(lines):
        walk.add(entry)
        if walk.settled:
            break
    return walk.report()


def _entries(lines: TextIO) -> Iterator[AuditEntry]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield entry_from_document(json.loads(line))
        except ValueError as exc:
            raise ValueError(f"line {number}: {exc}") from exc


async def _export(
    url: str, since: datetime, until: datetime | None, sink: TextIO
) -> tuple[int, int] | None:
    store = await _reader(url)
    try:
        span = await store.audit_span(since, until)
        if span is None:
            return None
        after = span[0] - 1
        while after < span[1] and (page := await store.audit_entries(after, PAGE)):
            for entry in page:
                if entry.seq <= span[1]:
                    sink.write(canonical(entry_document(entry)).decode("utf-8") + "\n")
            after = page[-1].seq
        return span
    finally:
        await store.close()


async def _reader(url: str) -> SqlStore:
    """The store at ``url`` as it is: an audit reads, and never migrates what it audits."""
    revision = await current_revision(url)
    if revision != head_revision():
        raise StoreError(
            f"the database is at revision {revision or 'none'}, not {head_revision()}: "
            "run `tanbih db upgrade` first"
        )
    return await open_store(url, migrate=False)


def _checkpoint_key(secret_file: Path | None, audit_key: str | None) -> CheckpointKey | None:
    """The key to check checkpoints with: given in hex, else from the node secret if any."""
    try:
        if audit_key is not None:
            return CheckpointKey(bytes.fromhex(audit_key))
        if secret_file is not None:
            return CheckpointKey.from_node_secret(secret_file.read_bytes().strip())
        settings = Settings.from_env()
        if settings.node_secret:
            return CheckpointKey.from_node_secret(settings.node_secret.encode())
        if settings.secret_file.is_file():
            return CheckpointKey.from_node_secret(settings.secret_file.read_bytes().strip())
    except (OSError, ValueError) as exc:
        raise typer.BadParameter(f"no usable checkpoint key: {exc}") from exc
    return None


def _instant(text: str, option: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise typer.BadParameter(f"{text!r} is not an ISO 8601 time", param_hint=option) from exc
    return moment if moment.utcoffset() is not None else moment.replace(tzinfo=UTC)

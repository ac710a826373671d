"""``tanbih audit verify`` and ``export`` through typer's runner, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.integration.store.samples import T0, accepted, record, transition
from typer.testing import CliRunner, Result

from tanbih.adapters.store import open_store
from tanbih.adapters.store.engine import create_engine, writer
from tanbih.cli.audit import app
from tanbih.domain.audit import AuditEntry, CheckpointKey
from tanbih.domain.records import Event

SECRET = b"a node secret of at least 32 bytes, for tests"
KEY = CheckpointKey.from_node_secret(SECRET)
runner = CliRunner()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    """The node secret, in a file as the node keeps it."""
    path = tmp_path / "node-secret"
    path.write_bytes(SECRET + b"\n")
    return path


@pytest.fixture
def no_node(tmp_path: Path) -> dict[str, str]:
    """An environment naming no node secret, so no key is found unless given."""
    return {"TANBIH_NODE_SECRET": "", "TANBIH_DATA_DIR": str(tmp_path / "no-node")}


async def _logged(url: str, count: int = 8) -> list[AuditEntry]:
    """A log of ``count`` events a minute apart, one from record(), a checkpoint after seq 4."""
    store = await open_store(url)
    try:
        rec = record("m1")
        await store.record(rec, transition(rec), accepted(rec))
        for i in range(1, count):
            at = T0 + timedelta(minutes=i)
            await store.append_event(Event(at, "delivery.sent", f"n{i}", "jo", {"i": i}))
            if i == 3:
                await store.checkpoint(KEY, at)
        return await store.audit_entries()
    finally:
        await store.close()


async def _invoke(args: list[str], env: dict[str, str] | None = None) -> Result:
    # The command runs its own event loop; give it a thread of its own.
    return await asyncio.to_thread(lambda: runner.invoke(app, args, env=env))


async def _sql(url: str, statement: str) -> None:
    engine = create_engine(url)
    try:
        async with writer(engine).begin() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def test_verify_prints_ok_the_count_and_the_head(durable_url: str, secret_file: Path) -> None:
    """An untouched log verifies, checkpoint signatures included, and the head is printed."""
    entries = await _logged(durable_url)

    result = await _invoke(
        ["verify", "--database-url", durable_url, "--node-secret-file", str(secret_file)]
    )

    assert result.exit_code == 0, result.output
    assert f"ok: {len(entries)} entries (seq 1-{len(entries)})" in result.output
    assert f"head: seq {len(entries)} {entries[-1].hash}" in result.output
    assert f"checkpoints: 1, the last at seq 5; signatures verified with key {KEY.key_id}" in (
        result.output
    )


@pytest.mark.parametrize(
    ("statement", "first_line"),
    [
        ('UPDATE events SET data = \'{"i": 5, "x": 1}\' WHERE seq = 6', "altered: seq 6:"),
        ("DELETE FROM events WHERE seq = 2", "removed: seq 2:"),
        ("UPDATE events SET partner_id = 'il' WHERE seq = 8", "altered: seq 8:"),
    ],
)
async def test_verify_pinpoints_tampering_and_exits_1(
    durable_url: str, no_node: dict[str, str], statement: str, first_line: str
) -> None:
    """A row changed in the database is named by kind and seq, with what verified before."""
    await _logged(durable_url)
    await _sql(durable_url, statement)

    result = await _invoke(["verify", "--database-url", durable_url], env=no_node)

    assert result.exit_code == 1, result.output
    assert result.output.startswith(first_line)
    assert "verified before it:" in result.output


async def test_verify_with_another_key_reports_a_bad_signature(durable_url: str) -> None:
    """Checkpoints signed by another key do not pass for this node's."""
    await _logged(durable_url)

    result = await _invoke(
        ["verify", "--database-url", durable_url, "--audit-key", "ab" * 32],
    )

    assert result.exit_code == 1, result.output
    assert result.output.startswith("bad-signature: seq 5:")


async def test_an_export_verifies_on_its_own(
    durable_url: str, tmp_path: Path, no_node: dict[str, str]
) -> None:
    """export --since/--until writes whole entries as JSON lines, and verify --file accepts them."""
    entries = await _logged(durable_url)
    path = tmp_path / "export.jsonl"
    since, until = (T0 + timedelta(minutes=2)).isoformat(), (T0 + timedelta(minutes=6)).isoformat()

    exported = await _invoke(
        [
            "export",
            "--database-url",
            durable_url,
            "--since",
            since,
            "--until",
            until,
            "-o",
            str(path),
        ]
    )
    verified = await _invoke(["verify", "--file", str(path), "--audit-key", KEY.secret.hex()])

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert exported.exit_code == 0, exported.output
    assert [line["seq"] for line in lines] == [3, 4, 5, 6, 7]
    assert lines[0]["prev_hash"] == entries[1].hash
    assert lines[-1]["hash"] == entries[6].hash
    assert verified.exit_code == 0, verified.output
    assert "ok: 5 entries (seq 3-7)" in verified.output
    assert "signatures verified" in verified.output


async def test_a_tampered_export_fails_verification(durable_url: str, tmp_path: Path) -> None:
    """Editing a line or moving lines in an export is caught like tampering in the database."""
    await _logged(durable_url)
    path = tmp_path / "export.jsonl"
    await _invoke(
        ["export", "--database-url", durable_url, "--since", T0.isoformat(), "-o", str(path)]
    )
    lines = path.read_text(encoding="utf-8").splitlines()
    edited = path.with_name("edited.jsonl")
    edited.write_text("\n".join([*lines[:2], lines[2].replace('"i":2', '"i":3'), *lines[3:]]))
    moved = path.with_name("moved.jsonl")
    moved.write_text("\n".join([*lines[:3], lines[4], lines[3], *lines[5:]]))

    edited_result = await _invoke(["verify", "--file", str(edited)])
    moved_result = await _invoke(["verify", "--file", str(moved)])

    assert edited_result.exit_code == 1
    assert edited_result.output.startswith("altered: seq 3:")
    assert moved_result.exit_code == 1
    assert moved_result.output.startswith("reordered: seq 4:")


async def test_export_writes_to_stdout_and_says_when_nothing_matched(durable_url: str) -> None:
    """Without -o the lines go to stdout; an empty span writes nothing and says so."""
    await _logged(durable_url)
    late = (T0 + timedelta(days=1)).isoformat()

    everything = await _invoke(["export", "--database-url", durable_url, "--since", "2026-01-01"])
    nothing = await _invoke(["export", "--database-url", durable_url, "--since", late])

    assert everything.exit_code == 0
    assert [json.loads(line)["seq"] for line in everything.stdout.splitlines()] == list(
        range(1, 10)
    )
    assert "exported 9 entries, seq 1-9" in everything.stderr
    assert nothing.exit_code == 0
    assert nothing.stdout == ""
    assert "no entries" in nothing.stderr


async def test_verify_cannot_check_what_it_cannot_read(tmp_path: Path) -> None:
    """A database never migrated, or a line that is not an entry, exit 2 without a verdict."""
    never = f"sqlite+aiosqlite:///{tmp_path / 'never.db'}"
    garbage = tmp_path / "garbage.jsonl"
    garbage.write_text('{"seq": 1}\n')

    unmigrated = await _invoke(["verify", "--database-url", never])
    unreadable = await _invoke(["verify", "--file", str(garbage)])

    assert unmigrated.exit_code == 2
    assert "tanbih db upgrade" in unmigrated.output
    assert not (tmp_path / "never.db").exists()
    assert unreadable.exit_code == 2
    assert "line 1" in unreadable.output


async def test_key_prints_the_derived_checkpoint_key(secret_file: Path) -> None:
    """`audit key` gives an auditor the checkpoint key and its id, not the node secret."""
    result = await _invoke(["key", "--node-secret-file", str(secret_file)])

    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{KEY.secret.hex()}  (key id {KEY.key_id})"
    assert SECRET.decode() not in result.output

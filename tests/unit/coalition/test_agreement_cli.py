"""``tanbih agreement check``, ``diff``, ``keygen`` and ``sign``, run through typer's CliRunner."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from tests.conftest import REPO_ROOT
from tests.unit.coalition.samples import Write, minimal
from typer.testing import CliRunner

from tanbih.cli.agreement import KEY_ENV, app

DEMO = REPO_ROOT / "examples" / "coalition"
runner = CliRunner()


def demo_copy(tmp_path: Path) -> Path:
    """A copy of the demo coalition and its zone files, to change."""
    shutil.copytree(DEMO, tmp_path / "demo")
    return tmp_path / "demo" / "coalition.yaml"


def demo_key(party: str) -> str:
    """The demo's published private key of ``party``."""
    for line in (DEMO / "demo-agreement-keys.env").read_text(encoding="utf-8").splitlines():
        if line.startswith(f"TANBIH_DEMO_AGREEMENT_KEY_{party.upper()}="):
            return line.split("=", 1)[1]
    raise AssertionError(f"no demo key for {party}")


def test_check_summarises_the_demo_and_every_signature_is_valid() -> None:
    """check prints terms, the sharing grid, areas, capabilities, rules and valid signatures."""
    result = runner.invoke(app, ["check", str(DEMO / "coalition.yaml"), "--require-signatures"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "Regional Air Threat Early Warning Understanding (demo), version 2026.1 (non-binding)"
    )
    assert "never asked to respond: ae" in lines
    # The first grid is Actual traffic: Israel's row, recipients coord, il, sa, qa, eg, ae, bh, jo.
    israel_row = next(words for line in lines if (words := line.split())[:2] == ["il", "full"])
    assert israel_row[1:] == ["full", "full", "via", "via", "zones", "zones", "zones", "zones"]
    assert "  jo       air_defence: cruise_missile, uav within 60 km, not available" in lines
    assert lines[-8:] == [f"  {p:<8} valid" for p in ("coord", "il", "sa", "qa", "eg", "ae",
                                                       "bh", "jo")]  # fmt: skip


def test_check_with_required_signatures_fails_an_unsigned_file(write: Write) -> None:
    """An agreement no party signed passes check, but not with --require-signatures."""
    path = write(minimal())
    assert runner.invoke(app, ["check", str(path)]).exit_code == 0
    result = runner.invoke(app, ["check", str(path), "--require-signatures"])
    assert result.exit_code == 1
    assert "not every party signed" in result.stderr
    assert "  (none declared)" in result.stdout


def test_check_lists_problems_with_paths_and_exits_1(write: Write) -> None:
    """A broken agreement section is reported with its path and line."""
    document = minimal()
    document["response"] = {"non_responders": ["zz"]}
    result = runner.invoke(app, ["check", str(write(document))])
    assert result.exit_code == 1
    assert "response.non_responders[0] (line" in result.stderr


def test_diff_shows_what_a_new_version_changes(tmp_path: Path) -> None:
    """diff of the demo and a changed copy lists the version, a cell and a capability."""
    new = demo_copy(tmp_path)
    document = yaml.safe_load(new.read_text(encoding="utf-8"))
    document["coalition"]["version"] = document["agreement"]["version"] = "2026.2"
    document["sharing"]["pairs"].append({"between": ["il", "sa"], "rule": "zones_only"})
    document["response"]["capabilities"]["jo"][1]["available"] = True
    new.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(app, ["diff", str(DEMO / "coalition.yaml"), str(new)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "agreement: ~ version: 2026.1 → 2026.2",
        "capabilities: ~ jo/air_defence: cruise_missile, uav; 60 km; not available → "
        "cruise_missile, uav; 60 km; available",
    ]


def test_diff_of_a_version_with_itself_says_there_is_no_change() -> None:
    """Comparing a file with itself reports no change."""
    demo = str(DEMO / "coalition.yaml")
    result = runner.invoke(app, ["diff", demo, demo])
    assert result.stdout.strip() == "no changes to the agreement (signatures are not compared)"


def test_sign_prints_the_line_that_puts_a_signature_in(tmp_path: Path) -> None:
    """A party's signature of the demo, with its demo key, is the one the file already holds."""
    demo = str(DEMO / "coalition.yaml")
    result = runner.invoke(app, ["sign", demo, "--party", "il"], env={KEY_ENV: demo_key("il")})
    assert result.exit_code == 0, result.output
    document = yaml.safe_load((DEMO / "coalition.yaml").read_text(encoding="utf-8"))
    assert result.stdout.splitlines()[-1] == f"    il: {document['agreement']['signatures']['il']}"
    key_file = tmp_path / "sa.key"
    key_file.write_text(demo_key("il"), encoding="utf-8")
    wrong = runner.invoke(app, ["sign", demo, "--party", "sa", "--key-file", str(key_file)])
    assert "warning: this key is not the one agreement.keys declares for sa" in wrong.stdout


def test_sign_refuses_without_a_key_or_for_a_stranger() -> None:
    """No key, a public key, or a party not in the agreement: exit 2 with the reason."""
    demo = str(DEMO / "coalition.yaml")
    assert runner.invoke(app, ["sign", demo, "--party", "il"], env={KEY_ENV: ""}).exit_code == 2
    stranger = runner.invoke(app, ["sign", demo, "--party", "zz"], env={KEY_ENV: demo_key("il")})
    assert (stranger.exit_code, "not a party" in stranger.stderr) == (2, True)
    public = "ed25519:" + "A" * 43 + "="
    bad = runner.invoke(app, ["sign", demo, "--party", "il"], env={KEY_ENV: public})
    assert (bad.exit_code, "not a private key" in bad.stderr) == (2, True)


def test_keygen_prints_a_private_key_and_the_public_line() -> None:
    """keygen gives a fresh private key and the line to declare its public half."""
    result = runner.invoke(app, ["keygen"])
    lines = result.stdout.splitlines()
    assert lines[1].strip().startswith("ed25519-private:")
    assert lines[3].strip().startswith("<partner>: ed25519:")

"""``tanbih coalition check`` and ``tanbih coalition token``, run through typer's CliRunner."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT
from tests.unit.coalition.samples import Write, minimal
from typer.testing import CliRunner

from tanbih.cli.coalition import app
from tanbih.coalition.tokens import hash_token, is_token_hash

DEMO_FILE = REPO_ROOT / "examples" / "coalition" / "coalition.yaml"
runner = CliRunner()


def test_check_summarises_a_valid_coalition() -> None:
    """check on the demo exits 0 and lists name, version, every partner's role, contacts, zones."""
    result = runner.invoke(app, ["check", str(DEMO_FILE)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Regional Air Threat Early Warning (demo), version 2026.1"
    assert "8 partners:" in lines
    israel = next(line for line in lines if line.lstrip().startswith("il "))
    assert re.search(r"\bpartner\b.*\b2 contacts\b.*\b1449 zones\b.*Israel \(he, ar, en\)", israel)
    hub = next(line for line in lines if line.lstrip().startswith("coord "))
    assert re.search(r"\bcoordinator\b.*\b3 contacts\b.*\b0 zones\b", hub)
    assert "1459 zones in all" in lines


def test_check_lists_each_problem_with_its_path_and_exits_1(write: Write) -> None:
    """check on a broken file prints one line per problem, path and line first, and exits 1."""
    document = minimal()
    document["node"]["partner"] = "zz"
    document["partners"][0]["contacts"][0]["channels"][1]["address"] = "nobody"
    path = write(document)
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: 2 problems",
        "  node.partner (line 6): no partner has id 'zz'",
        "  partners[0].contacts[0].channels[1].address (line 28): not an e-mail address"
        " (name@domain)",
    ]


def test_token_prints_a_fresh_token_and_its_hash_line() -> None:
    """token prints a new token and the sha256 line that declares it in the coalition file."""
    result = runner.invoke(app, ["token", "il"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    token = lines[1].strip()
    hash_line = lines[3].strip()
    assert len(token) >= 43
    assert hash_line == f"- {hash_token(token)}"
    assert is_token_hash(hash_line.removeprefix("- "))
    assert "il" in lines[0]
    assert "il" in lines[2]


def test_token_is_different_every_time() -> None:
    """Two runs never print the same token."""
    first = runner.invoke(app, ["token", "sa"]).stdout.splitlines()[1]
    second = runner.invoke(app, ["token", "sa"]).stdout.splitlines()[1]
    assert first != second


def test_token_refuses_what_cannot_be_a_partner_id() -> None:
    """token for an id the coalition file could not hold exits 2 without printing a token."""
    result = runner.invoke(app, ["token", "Israel"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "not a partner id" in result.stderr

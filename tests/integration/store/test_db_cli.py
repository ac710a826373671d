"""``tanbih db upgrade`` and ``tanbih db current``, run through typer's test runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tanbih.adapters.store import head_revision
from tanbih.cli.db import app

DATABASE_URL_ENV = "TANBIH_DATABASE_URL"

runner = CliRunner()


def test_upgrade_then_current_reports_the_head_revision(tmp_path: Path) -> None:
    """upgrade migrates the given database, and current then reports it at head."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'tanbih.db'}"

    upgraded = runner.invoke(app, ["upgrade", "--database-url", url])
    current = runner.invoke(app, ["current", "--database-url", url])

    assert upgraded.exit_code == 0, upgraded.output
    assert head_revision() in upgraded.output
    assert current.exit_code == 0, current.output
    assert current.output.strip() == f"{head_revision()} (head)"


def test_upgrade_defaults_to_data_tanbih_db_under_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without a URL or TANBIH_DATABASE_URL, upgrade creates data/tanbih.db where it runs."""
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.delenv("TANBIH_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)

    result = runner.invoke(app, ["upgrade"])

    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "tanbih.db").is_file()


def test_the_environment_variable_names_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TANBIH_DATABASE_URL is used when no --database-url is given."""
    path = tmp_path / "from-env" / "node.db"
    monkeypatch.setenv(DATABASE_URL_ENV, f"sqlite+aiosqlite:///{path}")

    result = runner.invoke(app, ["upgrade"])

    assert result.exit_code == 0, result.output
    assert path.is_file()


def test_current_of_a_missing_database_says_none(tmp_path: Path) -> None:
    """current on a database never migrated says so and creates nothing."""
    path = tmp_path / "missing.db"

    result = runner.invoke(app, ["current", "--database-url", f"sqlite:///{path}"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("none")
    assert not path.exists()


def test_a_bad_url_exits_non_zero_with_a_message() -> None:
    """An unsupported URL is an error message and exit code 1, not a traceback."""
    result = runner.invoke(app, ["upgrade", "--database-url", "mysql://root@localhost/x"])

    assert result.exit_code == 1
    assert "unsupported database" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

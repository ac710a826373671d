"""`tanbih observe` posts a file of reports to a running node; `tanbih assess` runs it offline."""

from __future__ import annotations

import asyncio

import pytest
from tests.conftest import REPO_ROOT
from tests.fakes.http_server import serve
from tests.integration.api.conftest import Api
from typer.testing import CliRunner

from tanbih.cli import app

SAMPLE = REPO_ROOT / "examples" / "observations" / "uav-towards-haifa.jsonl"
runner = CliRunner()


def test_assess_prints_the_warnings_it_would_issue() -> None:
    """Offline assessment of the sample flight warns, orders shelter, then clears every zone."""
    result = runner.invoke(app, ["assess", str(SAMPLE)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Alert" in result.output
    assert "Shelter:" in result.output
    assert "AllClear:" in result.output
    assert "40 observations" in result.output


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
async def test_observe_posts_the_file_to_a_node(api: Api) -> None:
    """Israel's 30 lines reach the node's API and become one threat, continued by track id."""
    async with serve(api.client._transport.app) as base_url:  # type: ignore[attr-defined]
        result = await asyncio.to_thread(
            runner.invoke,
            app,
            [
                "observe",
                str(SAMPLE),
                "--node",
                base_url,
                "--token",
                api.tokens["il"],
                "--partner",
                "il",
                "--rebase",
            ],
            env={"COLUMNS": "200"},
        )
    assert result.exit_code == 0, result.output
    assert result.output.count(": new ") == 1
    assert result.output.count(": track_id ") == 29
    [threat] = (await api.client.get("/api/v1/threats", headers=api.auth("il"))).json()
    assert threat["sources"] == ["il"]

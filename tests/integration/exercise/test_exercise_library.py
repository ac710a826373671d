"""Every library scenario runs headless, fast-forwarded through the real pipeline, and meets
its expected outcomes; a scenario whose expectations fail exits non-zero with its findings."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tanbih.cli import app
from tanbih.exercise.report import write_report
from tanbih.exercise.runner import run_scenario
from tanbih.exercise.scenario import load_scenario
from tanbih.exercise.scoring import score

LIBRARY = sorted(Path("examples/scenarios").glob("*.yaml"))
# The replay of a real alert log is cut to its first burst here (19:20 to 19:36:40, the
# 19:31 burst of 160 areas in one second included); bench/exercise_replay.py plays it whole.
REPLAY_IN_CI_S = 1000.0


@pytest.mark.parametrize("path", LIBRARY, ids=[p.stem for p in LIBRARY])
async def test_a_library_scenario_meets_its_expectations(path: Path, tmp_path: Path) -> None:
    """The run passes every expectation, loses nothing, marks every text EXERCISE, and its
    report is written."""
    scenario = load_scenario(path)
    if scenario.file.replay is not None:
        cut = scenario.file.model_copy(update={"duration_s": REPLAY_IN_CI_S})
        scenario = replace(scenario, file=cut)
    result = await run_scenario(scenario, tmp_path)
    scores = score(result)
    failed = [f.text for f in scores.findings if f.failed]
    assert failed == []
    assert scores.lost == 0
    assert result.record.deliveries
    assert all(d.marked for d in result.record.deliveries)
    assert {r.status.value for r in result.alerts} == {"Exercise"}
    [html, _] = write_report(result, scores, tmp_path / "aar.html")
    assert html.read_text(encoding="utf-8").count("<svg") >= 1 + bool(result.timeline.flights)


def test_unmet_expectations_exit_non_zero_with_the_findings(tmp_path: Path) -> None:
    """A scenario expecting what cannot happen fails the run, saying what was not met, and
    still writes its report."""
    source = Path("examples/scenarios/duty-officer-never-answers.yaml").read_text()
    broken = source.replace(
        "  not_acknowledged: [jo]", "  not_acknowledged: [jo]\n  acknowledged: [{partner: jo}]"
    ).replace("coalition: ../coalition/", f"coalition: {Path('examples/coalition').resolve()}/")
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(broken, encoding="utf-8")
    report = tmp_path / "aar.html"

    outcome = CliRunner().invoke(app, ["exercise", "run", str(scenario), "--report", str(report)])

    assert outcome.exit_code == 1, outcome.output
    assert "jo never acknowledged" in outcome.output
    assert "expectations not met" in outcome.output
    html = report.read_text(encoding="utf-8")
    assert "jo never acknowledged" in html
    assert "<script" not in html
    assert "<link" not in html
    assert 'src="http' not in html
    assert "<svg" in html
    assert '"passed": false' in report.with_suffix(".json").read_text(encoding="utf-8")

"""``tanbih cap``: validate agrees with the conformance results; convert goes both ways."""

from __future__ import annotations

import json
from pathlib import Path

from tests.unit.cap.cap_strategies import plain_alert
from typer.testing import CliRunner

from tanbih.cap import emit_xml, parse_xml
from tanbih.cli.cap import app

runner = CliRunner()


def test_validate_agrees_with_conformance_on_the_whole_corpus(shared_data: Path) -> None:
    """Every valid and signature-test file is ok, every other file FAILs; exit status 1."""
    cap = shared_data / "cap"
    files = sorted(p for p in cap.rglob("*") if p.is_file() and p.suffix in {".xml", ".cap"})
    result = runner.invoke(app, ["validate", *map(str, files)])
    assert result.exit_code == 1
    verdicts = {
        line.split(maxsplit=1)[1]: line.split()[0]
        for line in result.output.splitlines()
        if not line.startswith(" ")
    }
    assert len(verdicts) == len(files)
    for path in files:
        accepted = "valid" in path.parts or "signature" in path.parts
        assert verdicts[str(path)] == ("ok" if accepted else "FAIL"), path


def test_validate_lists_each_problem_indented(shared_data: Path) -> None:
    """A failing file is followed by its problems, indented, each naming element and line."""
    bad = shared_data / "cap" / "invalid" / "schema" / "tg_invalid_schema.xml"
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"FAIL {bad}",
        "    alert/info[1]/certainty (line 16): required element <certainty> is missing; "
        "found <audience> where <certainty> must come",
    ]


def test_validate_all_good_exits_zero(tmp_path: Path) -> None:
    """Only valid files: each line says ok and the exit status is 0."""
    xml = tmp_path / "a.xml"
    xml.write_bytes(emit_xml(plain_alert()))
    result = runner.invoke(app, ["validate", str(xml)])
    assert (result.exit_code, result.output) == (0, f"ok  {xml}\n")


def test_convert_xml_to_json_and_back(tmp_path: Path) -> None:
    """XML converts to JSON (the default direction for XML) and back to the same alert."""
    source = tmp_path / "alert.xml"
    source.write_bytes(emit_xml(plain_alert()))
    as_json = tmp_path / "alert.json"
    assert runner.invoke(app, ["convert", str(source), "-o", str(as_json)]).exit_code == 0
    assert json.loads(as_json.read_text())["msgType"] == "Alert"
    back = runner.invoke(app, ["convert", str(as_json)])
    assert back.exit_code == 0
    assert parse_xml(back.stdout_bytes) == plain_alert()


def test_convert_to_the_same_format_normalises(tmp_path: Path) -> None:
    """``--to xml`` on XML writes the canonical tanbih form of the same alert."""
    source = tmp_path / "alert.xml"
    source.write_bytes(emit_xml(plain_alert()).replace(b"\n  ", b"\n\t"))
    result = runner.invoke(app, ["convert", str(source), "--to", "xml"])
    assert result.stdout_bytes == emit_xml(plain_alert())


def test_convert_refuses_invalid_input(tmp_path: Path) -> None:
    """Invalid input writes nothing, names the problems on stderr, and exits 1."""
    source = tmp_path / "alert.json"
    source.write_text('{"identifier": "x"')
    result = runner.invoke(app, ["convert", str(source)])
    assert result.exit_code == 1
    assert result.stdout == ""
    assert f"FAIL {source}" in result.stderr
    assert "not valid JSON" in result.stderr

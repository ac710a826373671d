"""The YAML layer: syntax errors, duplicate keys and the line a problem points at."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.coalition.samples import Write, load_problems

from tanbih.coalition import parse_coalition
from tanbih.coalition.source import SourceMap, format_path, read_yaml
from tanbih.errors import CoalitionError, Problem

HAND_WRITTEN = """\
format: tanbih-coalition/1
coalition: {name: Lines, version: "1"}
node:
  partner: hub
  sender: hub@hub.example.org
partners:
  - id: hub
    name: Hub
    role: coordinator
    languages: [en]
    senders: [hub@hub.example.org]
    contacts:
      - id: hub-duty
        name: Duty
        duty: duty_officer
        languages: [en]
        channels:
          - kind: email
            address: duty@hub.example.org
          - kind: sms
            address: "0700 900 001"
"""


def no_zone_files(name: str) -> bytes:
    """A reader for coalitions that name no zone file."""
    raise FileNotFoundError(name)


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ((), "(document)"),
        (("partners",), "partners"),
        (
            ("partners", 2, "contacts", 0, "channels", 1, "kind"),
            "partners[2].contacts[0].channels[1].kind",
        ),
        (("zones", 0, "names", "he"), "zones[0].names.he"),
    ],
)
def test_paths_read_like_the_file(path: tuple[str | int, ...], text: str) -> None:
    """A problem's path is written the way one would point into the YAML."""
    assert format_path(path) == text


def test_a_problem_points_at_the_line_of_the_offending_value(write: Write) -> None:
    """The bad SMS number on line 21 of a hand-written file is reported on line 21."""
    problems = load_problems(write(HAND_WRITTEN, zones={}))
    assert problems == (
        Problem(
            "partners[0].contacts[0].channels[1].address",
            "not an E.164 phone number (+ and 7-15 digits)",
            21,
        ),
    )


def test_a_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    """A key that is absent is reported on the line of the item that should hold it."""
    document, problems = read_yaml(HAND_WRITTEN)
    assert document is not None
    assert not problems
    assert document.source_map.line(("partners", 0, "contacts", 0, "missing")) == 13


def test_a_section_points_at_its_key_not_its_first_child() -> None:
    """A problem with a whole block (partners:) is on the key's line, not its first item's."""
    document, _ = read_yaml(HAND_WRITTEN)
    assert document is not None
    assert document.source_map.line(("partners",)) == 6
    assert document.source_map.line(("partners", 0, "contacts")) == 12


def test_a_source_map_without_a_document_has_no_lines() -> None:
    """An empty file has no line to point at."""
    assert SourceMap(None).line(("partners",)) is None


def test_a_duplicate_key_is_a_problem_not_a_silent_override() -> None:
    """A key given twice in one mapping is reported with both lines, instead of keeping the last."""
    role = "    role: coordinator\n"
    text = HAND_WRITTEN.replace(role, role + "    role: observer\n")
    with pytest.raises(CoalitionError) as caught:
        parse_coalition(text, no_zone_files)
    assert caught.value.problems == (
        Problem("partners[0].role", "duplicate key (first given on line 9)", 10),
    )


def test_a_syntax_error_names_its_line() -> None:
    """Broken YAML gives one problem on the line where the parser stopped."""
    with pytest.raises(CoalitionError) as caught:
        parse_coalition("format: tanbih-coalition/1\npartners: [a, b\nnode: x\n", no_zone_files)
    [problem] = caught.value.problems
    assert problem.where == "(document)"
    assert problem.message.startswith("not valid YAML")
    assert problem.line == 3


@pytest.mark.parametrize("text", ["", "- just\n- a list\n", "plain text\n"])
def test_a_document_that_is_not_a_mapping_is_refused(text: str) -> None:
    """An empty file, a list or a scalar is not a coalition."""
    with pytest.raises(CoalitionError) as caught:
        parse_coalition(text, no_zone_files)
    assert [p.where for p in caught.value.problems] == ["(document)"]
    assert caught.value.problems[0].message == "must be a mapping"


def test_an_alias_bomb_is_walked_once_per_node() -> None:
    """Nested aliases (a billion-laughs file) are checked without expanding them."""
    layers = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    layers += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]" for n in range(1, 9)]
    document, problems = read_yaml("\n".join(layers) + "\n")
    assert document is not None
    assert problems == []


def test_the_coalition_file_itself_missing_is_a_problem(tmp_path: Path) -> None:
    """A path with no file behind it gives a problem naming it, not an OSError."""
    [problem] = load_problems(tmp_path / "absent.yaml")
    assert problem.message == "cannot read the coalition file: not found"

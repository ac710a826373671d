"""A scenario file read and checked: its shape, then its names against the coalition.

Every problem names its path in the file and its line (``threats[1].waypoints[0].lat (line
14): ...``), all at once, so a director fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError

from tanbih.coalition import load_coalition
from tanbih.coalition.source import DocPath, SourceMap, read_yaml
from tanbih.domain.coalition import Coalition
from tanbih.errors import CoalitionError, Problem, ScenarioError
from tanbih.exercise.schema import ScenarioFile

_MESSAGES = {
    "missing": "required, but missing",
    "extra_forbidden": "unknown key (not part of the scenario format)",
    "string_type": "must be text (quote it if YAML reads it as a number, date or yes/no)",
    "float_type": "must be a number",
    "int_type": "must be a whole number",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "model_type": "must be a mapping",
    "literal_error": "not one of the allowed values",
}
SCHEMA_FILE = Path(__file__).with_name("scenario.schema.json")


@dataclass(frozen=True, slots=True)
class Scenario:
    """A checked scenario: its file's content, where it lives, its coalition and start."""

    file: ScenarioFile
    path: Path
    coalition: Coalition
    coalition_path: Path
    start: datetime

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.file.name

    def beside(self, relative: str) -> Path:
        """A file the scenario names, relative to the scenario file."""
        return (self.path.parent / relative).resolve()


def load_scenario(path: Path) -> Scenario:
    """The scenario at ``path``; raises :class:`ScenarioError` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError([Problem("(file)", f"cannot read: {exc.strerror}")], str(path)) from exc
    document, problems = read_yaml(text)
    if document is None or problems:
        raise ScenarioError(problems, str(path))
    source_map = document.source_map
    try:
        file = ScenarioFile.model_validate(document.data)
    except ValidationError as exc:
        raise ScenarioError(
            [
                source_map.problem(
                    tuple(part for part in error["loc"] if part != "[key]"),
                    _MESSAGES.get(error["type"], error["msg"].removeprefix("Value error, ")),
                )
                for error in exc.errors(include_url=False)
            ],
            str(path),
        ) from exc
    coalition_path = (path.parent / file.coalition).resolve()
    try:
        coalition = load_coalition(coalition_path)
    except CoalitionError as exc:
        first = "; ".join(str(p) for p in exc.problems[:3])
        problem = source_map.problem(("coalition",), f"the coalition file is invalid: {first}")
        raise ScenarioError([problem], str(path)) from exc
    start, problems = _start(file, source_map)
    problems += cross_check(file, coalition, source_map, path.parent)
    if problems or start is None:
        raise ScenarioError(problems, str(path))
    return Scenario(file, path, coalition, coalition_path, start)


def _start(file: ScenarioFile, source_map: SourceMap) -> tuple[datetime | None, list[Problem]]:
    try:
        start = datetime.fromisoformat(file.start)
    except ValueError:
        return None, [source_map.problem(("start",), "not an ISO 8601 time")]
    if start.tzinfo is None:
        return None, [source_map.problem(("start",), "needs an offset (Z or +03:00)")]
    return start, []


def cross_check(
    file: ScenarioFile, coalition: Coalition, source_map: SourceMap, folder: Path
) -> list[Problem]:
    """Names the file uses that the coalition (or the file itself) does not declare."""
    partners = {p.id for p in coalition.partners}
    zones = {z.id for z in coalition.zones}
    found: list[tuple[DocPath, str]] = []

    def partner(path: DocPath, value: str | None) -> None:
        if value is not None and value not in partners:
            found.append((path, f"no partner {value!r} in the coalition"))

    for i, sensor in enumerate(file.sensors):
        partner(("sensors", i, "partner"), sensor.partner)
    threat_ids = [t.id for t in file.threats]
    for i, threat in enumerate(file.threats):
        if threat_ids.count(threat.id) > 1:
            found.append((("threats", i, "id"), f"threat id {threat.id!r} used twice"))
    alert_ids = [a.id for a in file.alerts]
    for i, alert in enumerate(file.alerts):
        partner(("alerts", i, "partner"), alert.partner)
        if alert_ids.count(alert.id) > 1:
            found.append((("alerts", i, "id"), f"message id {alert.id!r} used twice"))
        for j, zone in enumerate(alert.zones):
            if zone not in zones:
                found.append((("alerts", i, "zones", j), f"no zone {zone!r} in the coalition"))
        earlier = {a.id for a in file.alerts if a.at <= alert.at and a is not alert}
        for j, ref in enumerate(alert.references):
            if ref not in earlier:
                found.append((("alerts", i, "references", j), f"no earlier message {ref!r}"))
        if alert.type != "alert" and not alert.references:
            found.append((("alerts", i, "references"), f"an {alert.type} must reference"))
    if file.replay is not None:
        partner(("replay", "partner"), file.replay.partner)
        if not (folder / file.replay.file).is_file():
            found.append((("replay", "file"), f"no file {file.replay.file!r} beside the scenario"))
    for i, action in enumerate(file.actions):
        partner(("actions", i, "partner"), action.partner)
    for i, fault in enumerate(file.faults):
        partner(("faults", i, "partner"), fault.partner)
        if fault.end is not None and fault.end <= fault.start:
            found.append((("faults", i, "end"), "must come after start"))
    expect = file.expect
    for i, warned in enumerate(expect.warned):
        for j, zone in enumerate(warned.zones):
            if zone not in zones:
                found.append((("expect", "warned", i, "zones", j), f"no zone {zone!r}"))
    for i, zone in enumerate(expect.not_warned):
        if zone not in zones:
            found.append((("expect", "not_warned", i), f"no zone {zone!r}"))
    for i, ack in enumerate(expect.acknowledged):
        partner(("expect", "acknowledged", i, "partner"), ack.partner)
    for i, name in enumerate(expect.not_acknowledged):
        partner(("expect", "not_acknowledged", i), name)
    contacts = {c.id for p in coalition.partners for c in p.contacts}
    for i, esc in enumerate(expect.escalated):
        partner(("expect", "escalated", i, "partner"), esc.partner)
        for j, contact in enumerate(esc.reaches):
            if contact not in contacts:
                found.append((("expect", "escalated", i, "reaches", j), f"no contact {contact!r}"))
    for i, cancelled in enumerate(expect.cancelled):
        if cancelled not in alert_ids:
            found.append((("expect", "cancelled", i), f"no message {cancelled!r} in alerts"))
    for i, responder in enumerate(expect.responders):
        if responder.threat not in threat_ids:
            found.append((("expect", "responders", i, "threat"), f"no threat {responder.threat!r}"))
        partner(("expect", "responders", i, "proposed"), responder.proposed)
        partner(("expect", "responders", i, "responds"), responder.responds)
    return [source_map.problem(path, message) for path, message in found]

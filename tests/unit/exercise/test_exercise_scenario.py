"""Scenario files: the shape checked with every problem's path and line, names checked against
the coalition, the packaged JSON Schema kept current, and reproducible sensor reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tanbih.cli.exercise import scenario_schema
from tanbih.errors import ScenarioError
from tanbih.exercise.flight import distance_m, flight_of
from tanbih.exercise.scenario import SCHEMA_FILE, load_scenario
from tanbih.exercise.schema import SensorEntry, ThreatEntry
from tanbih.exercise.sensing import sightings

COALITION = Path("examples/coalition/coalition.yaml").resolve()
HEAD = f"""format: tanbih-scenario/1
name: test
coalition: {COALITION}
start: "2026-03-01T10:00:00+02:00"
duration_s: 60
"""


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    return [str(p) for p in caught.value.problems]


def test_a_misfit_names_its_path_and_line(tmp_path: Path) -> None:
    """A wrong type deep in a threat and an unknown key are both named, with their lines."""
    path = write(
        tmp_path,
        """threats:
  - id: t1
    class: uav
    waypoints:
      - {lat: north, lon: 35.0, speed_mps: 50}
      - {lat: 32.0, lon: 35.5}
colour: red
""",
    )
    found = problems_of(path)
    assert "threats[0].waypoints[0].lat (line 10): must be a number" in found
    assert "colour (line 12): unknown key (not part of the scenario format)" in found


def test_a_threat_must_fly_exactly_one_way(tmp_path: Path) -> None:
    """Giving both waypoints and a launch is refused, naming the threat."""
    path = write(
        tmp_path,
        """threats:
  - id: t1
    class: uav
    launch: {lat: 32.0, lon: 36.0, heading_deg: 270, speed_mps: 50, flight_s: 100}
    waypoints: [{lat: 32.0, lon: 36.0, speed_mps: 50}, {lat: 32.0, lon: 35.0}]
""",
    )
    [problem] = problems_of(path)
    assert problem.startswith("threats[0] (line 7): give exactly one of waypoints")


def test_names_the_coalition_lacks_are_refused(tmp_path: Path) -> None:
    """An unknown partner, zone and contact are each named where the file uses them."""
    path = write(
        tmp_path,
        """alerts:
  - {at: 1, partner: xx, id: a, zones: [nowhere]}
expect:
  escalated: [{partner: jo, reaches: [nobody]}]
""",
    )
    found = problems_of(path)
    assert "alerts[0].partner (line 7): no partner 'xx' in the coalition" in found
    assert "alerts[0].zones[0] (line 7): no zone 'nowhere' in the coalition" in found
    assert "expect.escalated[0].reaches[0] (line 9): no contact 'nobody'" in found


def test_a_start_without_an_offset_is_refused(tmp_path: Path) -> None:
    """The start must say its offset: a local time would shift every time in the run."""
    path = tmp_path / "scenario.yaml"
    path.write_text(HEAD.replace("+02:00", ""), encoding="utf-8")
    assert problems_of(path) == ["start (line 4): needs an offset (Z or +03:00)"]


def test_the_packaged_schema_is_the_one_the_models_make() -> None:
    """scenario.schema.json is regenerated whenever the format changes."""
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == json.loads(scenario_schema())


def test_the_library_scenarios_are_valid() -> None:
    """Every scenario of examples/scenarios loads."""
    for path in sorted(Path("examples/scenarios").glob("*.yaml")):
        assert load_scenario(path).file.duration_s > 0


def test_sensor_reports_are_reproducible_and_follow_the_truth() -> None:
    """The same seed gives the same reports; reports lie near the true track, in range only."""
    threat = ThreatEntry.model_validate(
        {
            "id": "t1",
            "class": "uav",
            "launch": {
                "lat": 32.0,
                "lon": 37.0,
                "heading_deg": 270,
                "speed_mps": 100,
                "flight_s": 1000,
            },
        }
    )
    sensor = SensorEntry(
        id="r1", partner="jo", lat=32.0, lon=36.0, range_km=50, interval_s=5, delay_s=2, noise_m=100
    )
    flight = flight_of(threat)
    start = load_scenario(Path("examples/scenarios/ballistic-short-warning.yaml")).start
    first = sightings(flight, [sensor], start, seed=7)
    again = sightings(flight, [sensor], start, seed=7)
    other = sightings(flight, [sensor], start, seed=8)
    assert first == again
    assert [s.observation.lat for s in first] != [s.observation.lat for s in other]
    assert len(first) > 10
    for sighting in first:
        obs = sighting.observation
        truth = flight.at((obs.time - start).total_seconds())
        assert truth is not None
        assert distance_m(truth.lat, truth.lon, obs.lat, obs.lon) < 600
        assert distance_m(sensor.lat, sensor.lon, truth.lat, truth.lon) <= 50_000
        assert obs.status.value == "Exercise"

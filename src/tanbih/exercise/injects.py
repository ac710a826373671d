"""A scenario as a timeline of injects: reports from the sensors, messages, the replayed log.

Everything is computed before the run starts, from the scenario and its seed alone, so two
runs of one scenario put in exactly the same things at the same scenario times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tanbih.domain.cap import Alert
from tanbih.domain.observation import Observation
from tanbih.exercise.flight import Flight, flight_of
from tanbih.exercise.messages import exercise_alert, zones_by_name
from tanbih.exercise.replay import read_log
from tanbih.exercise.scenario import Scenario
from tanbih.exercise.sensing import sightings


@dataclass(frozen=True, slots=True)
class ObservationInject:
    """A sensor's report reaching the node."""

    at_s: float
    threat_id: str
    observation: Observation


@dataclass(frozen=True, slots=True)
class AlertInject:
    """A partner posting a CAP message; ``false_alarm`` when nothing was there."""

    at_s: float
    partner_id: str
    alert: Alert
    name: str
    false_alarm: bool = False
    zone_rows: int = 0


Inject = ObservationInject | AlertInject


@dataclass(frozen=True, slots=True)
class Timeline:
    """The injects in order, the true flights, and what the replay could not place."""

    injects: tuple[Inject, ...]
    flights: tuple[Flight, ...]
    unknown_areas: tuple[str, ...] = ()


def timeline(scenario: Scenario) -> Timeline:
    """Every inject of ``scenario``, in order of scenario time."""
    file = scenario.file
    flights = tuple(flight_of(threat) for threat in file.threats)
    injects: list[Inject] = [
        ObservationInject(s.arrives_s, s.threat_id, s.observation)
        for flight in flights
        for s in sightings(flight, file.sensors, scenario.start, file.seed)
        if s.arrives_s <= file.duration_s
    ]
    injects += _alerts(scenario)
    replayed, unknown = _replay(scenario)
    injects += replayed
    injects.sort(key=lambda i: i.at_s)
    return Timeline(tuple(injects), flights, unknown)


def _alerts(scenario: Scenario) -> list[AlertInject]:
    zones = {zone.id: zone for zone in scenario.coalition.zones}
    by_name = {entry.id: entry for entry in scenario.file.alerts}
    made: dict[str, Alert] = {}
    injects: list[AlertInject] = []
    for entry in sorted(scenario.file.alerts, key=lambda a: a.at):
        partner = scenario.coalition.partner(entry.partner)
        if partner is None:
            raise ValueError(f"no partner {entry.partner!r}")  # checked at loading
        alert = exercise_alert(
            partner,
            f"exercise-{entry.id}",
            scenario.start + timedelta(seconds=entry.at),
            msg_type=entry.type,
            response=entry.response,
            zones=[zones[z] for z in entry.zones],
            references=tuple(made[ref].key for ref in entry.references if ref in made),
            headline=entry.headline,
        )
        made[entry.id] = alert
        false_alarm = entry.false_alarm or any(
            by_name[ref].false_alarm for ref in entry.references if ref in by_name
        )
        injects.append(AlertInject(entry.at, entry.partner, alert, entry.id, false_alarm))
    return injects


def _replay(scenario: Scenario) -> tuple[list[AlertInject], tuple[str, ...]]:
    replay = scenario.file.replay
    if replay is None:
        return [], ()
    partner = scenario.coalition.partner(replay.partner)
    if partner is None:
        raise ValueError(f"no partner {replay.partner!r}")  # checked at loading
    named = zones_by_name({z.id: z for z in scenario.coalition.zones}, "he")
    unknown: dict[str, None] = {}
    injects: list[AlertInject] = []
    logged = read_log(scenario.beside(replay.file), replay)
    for number, entry in enumerate(logged, start=1):
        at_s = (entry.at - scenario.start).total_seconds()
        if not 0 <= at_s <= scenario.file.duration_s:
            continue
        zones = [named[a] for a in entry.areas if a in named]
        others = tuple(a for a in entry.areas if a not in named)
        unknown.update(dict.fromkeys(others))
        alert = exercise_alert(
            partner,
            f"exercise-replay-{entry.at:%Y%m%dT%H%M%S}-{number}",
            scenario.start + timedelta(seconds=at_s),
            msg_type="alert",
            response="shelter",
            zones=zones,
            references=(),
            headline="rockets and missiles, enter the protected space (replayed log)",
            extra_areas=others,
        )
        injects.append(
            AlertInject(at_s, replay.partner, alert, alert.identifier, zone_rows=entry.rows)
        )
    return injects, tuple(unknown)

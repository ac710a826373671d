"""What the partners' sensors report of a true flight: detection when in range, a delay, a
report every interval with position noise, each arriving at the node a little later.

The noise comes from a generator seeded by (scenario seed, sensor, threat): the same scenario
and seed give the same reports, whatever else the scenario holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.cap import Status
from tanbih.domain.observation import EndReport, Observation
from tanbih.domain.threat import Impact, ThreatClass
from tanbih.exercise.flight import Flight, distance_m, offset
from tanbih.exercise.schema import SensorEntry


@dataclass(frozen=True, slots=True)
class Sighting:
    """One report and when it reaches the node (seconds after the scenario's start)."""

    arrives_s: float
    threat_id: str
    observation: Observation


def sightings(
    flight: Flight, sensors: list[SensorEntry], start: datetime, seed: int
) -> list[Sighting]:
    """Every report the sensors make of ``flight``, in order of arrival."""
    found: list[Sighting] = []
    for sensor in sensors:
        if sensor.classes is not None and flight.threat.threat_class not in sensor.classes:
            continue
        found += _reports(
            flight,
            sensor,
            start,
            random.Random(f"{seed}:{sensor.id}:{flight.threat.id}"),  # noqa: S311 -- noise, no secret
        )
    return sorted(found, key=lambda s: (s.arrives_s, s.observation.id))


def _first_in_range(flight: Flight, sensor: SensorEntry) -> float | None:
    for state in flight.track(1.0):
        if distance_m(sensor.lat, sensor.lon, state.lat, state.lon) <= sensor.range_km * 1000:
            return state.t
    return None


def _reports(
    flight: Flight, sensor: SensorEntry, start: datetime, rng: random.Random
) -> list[Sighting]:
    detected = _first_in_range(flight, sensor)
    if detected is None:
        return []
    threat = flight.threat
    track_id = f"{sensor.id}-{threat.id}"
    reports: list[Sighting] = []
    t = detected + sensor.delay_s
    number = 0
    while t <= flight.end_s:
        state = flight.at(t)
        if state is None:
            break
        if distance_m(sensor.lat, sensor.lon, state.lat, state.lon) > sensor.range_km * 1000:
            t += sensor.interval_s
            continue
        number += 1
        lat, lon = offset(
            state.lat, state.lon, rng.uniform(0, 360), abs(rng.gauss(0, sensor.noise_m))
        )
        obs = Observation(
            id=f"{track_id}-{number}",
            partner_id=sensor.partner,
            sensor_id=sensor.id,
            time=_ms(start + timedelta(seconds=t)),
            lat=round(lat, 6),
            lon=round(lon, 6),
            alt_m=round(max(state.alt_m + rng.gauss(0, 30), 0.0), 1),
            speed_mps=round(max(state.speed_mps * rng.gauss(1, 0.02), 0.0), 1),
            heading_deg=round((state.heading_deg + rng.gauss(0, 1.5)) % 360.0, 1) % 360.0,
            threat_class=ThreatClass(threat.threat_class),
            confidence=sensor.confidence,
            status=Status.EXERCISE,
            track_id=track_id,
            climb_mps=round(state.climb_mps, 1),
            impact=_impact(flight, start),
        )
        reports.append(Sighting(t + sensor.latency_s, threat.id, obs))
        t += sensor.interval_s
    ended = threat.neutralised_at
    if ended is not None and reports and ended <= flight.legs[-1].end_s:
        last = reports[-1].observation
        end = Observation(
            id=f"{track_id}-end",
            partner_id=sensor.partner,
            sensor_id=sensor.id,
            time=_ms(start + timedelta(seconds=ended)),
            lat=last.lat,
            lon=last.lon,
            alt_m=last.alt_m,
            speed_mps=last.speed_mps,
            heading_deg=last.heading_deg,
            threat_class=last.threat_class,
            confidence=sensor.confidence,
            status=Status.EXERCISE,
            track_id=track_id,
            ended=EndReport.NEUTRALISED,
        )
        reports.append(Sighting(ended + sensor.latency_s, threat.id, end))
    return reports


def _impact(flight: Flight, start: datetime) -> Impact | None:
    arc = flight.threat.ballistic
    if arc is None:
        return None
    landing = start + timedelta(seconds=flight.legs[-1].end_s)
    return Impact(arc.impact.lat, arc.impact.lon, arc.impact_radius_m, _ms(landing))


def _ms(at: datetime) -> datetime:
    """Whole milliseconds, as reports posted through the API's JSON carry."""
    return at - timedelta(microseconds=at.microsecond % 1000)

"""Fusing reports into threats: which threat a report is about, and the threat's state after it.

Association, first rule that applies:

1. **track id** — a report whose (partner, track id) a live threat already holds belongs to it;
2. **gate** — the best live threat whose state, dead-reckoned to the report's time, lies within a
   distance gate that widens with the time elapsed and with how fast the class can change course,
   and whose velocity is compatible with the report's. A threat that already holds a different
   track of the reporting partner is no candidate: that partner's own sensor tells the two apart;
3. otherwise the report starts a **new** threat.

``Actual`` and ``Exercise`` reports never fuse with each other.

The state is kept by a fixed-gain filter (alpha-beta style, both position and velocity being
measured): the threat's state is dead-reckoned to the report's time, then moved toward the
reported position by ``POSITION_GAIN`` and toward the reported velocity by ``VELOCITY_GAIN``.
A report older than the threat's state adds its source but does not move the state.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from tanbih.domain.cap import Status
from tanbih.domain.observation import EndReport, Observation, ground_velocity
from tanbih.domain.threat import Geodesy, Impact, Kinematics, ThreatClass

# Shares of the residual the fused state takes from a report. Reports are mostly tracks the
# reporter already filtered, so they are trusted more than our prediction.
POSITION_GAIN = 0.7
VELOCITY_GAIN = 0.6
# Velocities are compatible when they differ by at most this share of the faster one, or by the
# floor for slow objects, whose heading is mostly noise.
VELOCITY_GATE_SHARE = 0.5
VELOCITY_GATE_FLOOR_MPS = 30.0
# Metres per degree of latitude, rounded down: used only to reject far threats cheaply.
_METRES_PER_DEGREE = 110_000.0
_SPECIFICITY = {cls: rank for rank, cls in enumerate(ThreatClass)}


class EndReason(StrEnum):
    """Why a threat ended."""

    NEUTRALISED = "neutralised"
    LANDED = "landed"
    NOT_SEEN = "not_seen"
    LEFT_REGION = "left_region"


@dataclass(frozen=True, slots=True)
class Gate:
    """How far from its predicted position a report may be and still be the same threat."""

    base_m: float
    growth_mps: float

    def radius_m(self, elapsed_s: float) -> float:
        """The gate's radius after ``elapsed_s`` seconds since the threat's state."""
        return self.base_m + self.growth_mps * abs(elapsed_s)


# Base: sensor errors and registration offsets between partners' radars. Growth: how far the
# class can stray from dead reckoning per second (course changes, acceleration).
GATES: MappingProxyType[ThreatClass, Gate] = MappingProxyType(
    {
        ThreatClass.UAV: Gate(1_500.0, 50.0),
        ThreatClass.CRUISE_MISSILE: Gate(2_000.0, 150.0),
        ThreatClass.BALLISTIC_MISSILE: Gate(10_000.0, 1_000.0),
        ThreatClass.ROCKET: Gate(3_000.0, 300.0),
        ThreatClass.AIRCRAFT: Gate(2_000.0, 150.0),
        ThreatClass.UNKNOWN: Gate(2_000.0, 150.0),
    }
)


@dataclass(frozen=True, slots=True)
class TrackRef:
    """A reporter's own id for an object: which partner, which track."""

    partner_id: str
    track_id: str


@dataclass(frozen=True, slots=True)
class Threat:
    """One object in the air, fused from the reports of one or several partners.

    ``sources`` are the contributing partners in the order they first reported (releasability
    is decided on them); ``tracks`` the reporters' track ids. ``threat_class`` is the most
    specific class reported; ``confidence`` the highest reported.
    """

    id: str
    threat_class: ThreatClass
    status: Status
    state: Kinematics
    first_seen: datetime
    last_seen: datetime
    sources: tuple[str, ...]
    tracks: tuple[TrackRef, ...]
    confidence: float
    impact: Impact | None = None
    ended: EndReason | None = None
    ended_at: datetime | None = None

    @property
    def is_live(self) -> bool:
        """Whether the threat has not ended."""
        return self.ended is None


class Association(StrEnum):
    """The rule that tied a report to its threat."""

    NEW = "new"
    TRACK_ID = "track_id"
    GATE = "gate"


@dataclass(frozen=True, slots=True)
class FusionResult:
    """The threat a report created or updated, and the rule that tied them."""

    threat: Threat
    association: Association

    @property
    def is_new(self) -> bool:
        """Whether the report started a new threat."""
        return self.association is Association.NEW


def more_specific(a: ThreatClass, b: ThreatClass) -> ThreatClass:
    """The more specific of two classes (``ThreatClass`` is declared least specific first)."""
    return a if _SPECIFICITY[a] >= _SPECIFICITY[b] else b


def dead_reckon(state: Kinematics, time: datetime, geodesy: Geodesy) -> Kinematics:
    """``state`` carried along its great circle at constant velocity to ``time`` (or back)."""
    elapsed = (time - state.time).total_seconds()
    if elapsed == 0:
        return state
    # Backwards is forwards on the reverse azimuth, so Geodesy needs no negative distances.
    azimuth = state.heading_deg if elapsed > 0 else (state.heading_deg + 180.0) % 360.0
    lat, lon = geodesy.forward(state.lat, state.lon, azimuth, state.speed_mps * abs(elapsed))
    alt = state.alt_m + state.climb_mps * elapsed
    # Built whole rather than by dataclasses.replace, which costs four times as much: every
    # report is dead-reckoned.
    return Kinematics(time, lat, lon, alt, state.speed_mps, state.heading_deg, state.climb_mps)


def fuse(
    threats: Mapping[str, Threat],
    obs: Observation,
    now: datetime,
    geodesy: Geodesy,
    new_id: str,
) -> FusionResult:
    """The threat ``obs`` belongs to after fusing it, or a new threat ``new_id`` if none.

    ``threats`` holds the live threats by id (ended ones are ignored). ``obs`` must already
    have passed :func:`~tanbih.domain.observation.observation_problems` and deduplication by its
    id. ``now`` stamps the end of a threat reported neutralised or landed. ``new_id`` goes into
    CAP identifiers, so it must be unique and free of spaces, commas, ``<`` and ``&``.
    """
    match = _by_track(threats, obs)
    association = Association.TRACK_ID
    if match is None:
        match = _by_gate(threats, obs, geodesy)
        association = Association.GATE
    if match is None:
        return FusionResult(_start(obs, now, new_id), Association.NEW)
    return FusionResult(_update(match, obs, now, geodesy), association)


def _by_track(threats: Mapping[str, Threat], obs: Observation) -> Threat | None:
    if obs.track_id is None:
        return None
    ref = TrackRef(obs.partner_id, obs.track_id)
    return next(
        (t for t in threats.values() if t.is_live and t.status == obs.status and ref in t.tracks),
        None,
    )


def _by_gate(threats: Mapping[str, Threat], obs: Observation, geodesy: Geodesy) -> Threat | None:
    best: tuple[float, str, Threat] | None = None
    # Every live threat is looked at for a report without a known track: the cheapest tests
    # come first, and most threats fail the latitude one.
    for threat in threats.values():
        if threat.ended is not None or threat.status != obs.status:
            continue
        state = threat.state
        elapsed = (obs.time - state.time).total_seconds()
        gate = GATES[more_specific(threat.threat_class, obs.threat_class)].radius_m(elapsed)
        if abs(obs.lat - state.lat) * _METRES_PER_DEGREE > gate + state.speed_mps * abs(elapsed):
            continue  # cheap rejection: most threats are nowhere near
        if _tracked_apart(threat, obs):
            continue
        predicted = dead_reckon(threat.state, obs.time, geodesy)
        _, distance = geodesy.inverse(predicted.lat, predicted.lon, obs.lat, obs.lon)
        mismatch = math.dist(_vector(predicted), _vector(obs.kinematics))
        speed_gate = max(
            VELOCITY_GATE_FLOOR_MPS,
            VELOCITY_GATE_SHARE * max(predicted.speed_mps, obs.speed_mps),
        )
        if distance > gate or mismatch > speed_gate:
            continue
        score = (distance / gate) ** 2 + (mismatch / speed_gate) ** 2
        if best is None or (score, threat.id) < best[:2]:
            best = (score, threat.id, threat)
    return None if best is None else best[2]


def _tracked_apart(threat: Threat, obs: Observation) -> bool:
    """Whether the reporter already tracks this threat under another track id."""
    return obs.track_id is not None and any(
        ref.partner_id == obs.partner_id and ref.track_id != obs.track_id for ref in threat.tracks
    )


def _start(obs: Observation, now: datetime, new_id: str) -> Threat:
    threat = Threat(
        id=new_id,
        threat_class=obs.threat_class,
        status=obs.status,
        state=obs.kinematics,
        first_seen=obs.time,
        last_seen=obs.time,
        sources=(obs.partner_id,),
        tracks=() if obs.track_id is None else (TrackRef(obs.partner_id, obs.track_id),),
        confidence=obs.confidence,
        impact=obs.impact,
    )
    return _end_if_reported(threat, obs, now)


def _update(threat: Threat, obs: Observation, now: datetime, geodesy: Geodesy) -> Threat:
    sources = threat.sources
    if obs.partner_id not in sources:
        sources = (*sources, obs.partner_id)
    tracks = threat.tracks
    if obs.track_id is not None and TrackRef(obs.partner_id, obs.track_id) not in tracks:
        tracks = (*tracks, TrackRef(obs.partner_id, obs.track_id))
    late = obs.time < threat.state.time
    # Every field given, not dataclasses.replace: it costs several times as much, per report.
    updated = Threat(
        id=threat.id,
        threat_class=more_specific(threat.threat_class, obs.threat_class),
        status=threat.status,
        state=threat.state if late else _filtered(threat.state, obs, geodesy),
        first_seen=min(threat.first_seen, obs.time),
        last_seen=max(threat.last_seen, obs.time),
        sources=sources,
        tracks=tracks,
        confidence=max(threat.confidence, obs.confidence),
        impact=threat.impact if obs.impact is None or late else obs.impact,
        ended=threat.ended,
        ended_at=threat.ended_at,
    )
    return _end_if_reported(updated, obs, now)


def _filtered(state: Kinematics, obs: Observation, geodesy: Geodesy) -> Kinematics:
    """The fixed-gain update: prediction at the report's time, moved toward the report."""
    predicted = dead_reckon(state, obs.time, geodesy)
    azimuth, distance = geodesy.inverse(predicted.lat, predicted.lon, obs.lat, obs.lon)
    lat, lon = predicted.lat, predicted.lon
    if distance > 0:
        lat, lon = geodesy.forward(lat, lon, azimuth, POSITION_GAIN * distance)
    east, north = _vector(predicted)
    seen_east, seen_north = _vector(obs.kinematics)
    speed, heading = ground_velocity(
        east + VELOCITY_GAIN * (seen_east - east), north + VELOCITY_GAIN * (seen_north - north)
    )
    return Kinematics(
        time=obs.time,
        lat=lat,
        lon=lon,
        alt_m=predicted.alt_m + POSITION_GAIN * (obs.alt_m - predicted.alt_m),
        speed_mps=speed,
        heading_deg=heading,
        climb_mps=predicted.climb_mps + VELOCITY_GAIN * (obs.climb_mps - predicted.climb_mps),
    )


def _vector(state: Kinematics) -> tuple[float, float]:
    """Ground velocity as (east, north) m/s."""
    heading = math.radians(state.heading_deg)
    return state.speed_mps * math.sin(heading), state.speed_mps * math.cos(heading)


_END_REASONS = {EndReport.NEUTRALISED: EndReason.NEUTRALISED, EndReport.LANDED: EndReason.LANDED}


def _end_if_reported(threat: Threat, obs: Observation, now: datetime) -> Threat:
    if obs.ended is None or not threat.is_live:
        return threat
    return replace(threat, ended=_END_REASONS[obs.ended], ended_at=now)

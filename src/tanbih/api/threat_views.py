"""How a tracked threat reads in the API: its state, its zones' stages and ETAs, its path."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tanbih.domain.coalition import Zone
from tanbih.domain.lifecycle import Stage
from tanbih.domain.threat import Impact, Kinematics, ThreatClass
from tanbih.domain.warning import earliest_per_zone
from tanbih.geo.path import predict_path
from tanbih.pipeline.tracked_threat import TrackedThreat

# Enough path to draw the next few minutes; warnings use the full horizon.
PATH_HORIZON_S = 600.0


class _View(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


class StateView(_View):
    """The fused state of motion."""

    time: str
    lat: float
    lon: float
    alt_m: float = Field(alias="altM")
    speed_mps: float = Field(alias="speedMps")
    heading_deg: float = Field(alias="headingDeg")


class ZoneView(_View):
    """One zone on the threat's path."""

    zone: str
    partner: str
    name: str
    stage: str
    eta: str | None
    shelter_seconds: int = Field(alias="shelterSeconds")


class PathPoint(_View):
    """A predicted position with the corridor's radius there."""

    lat: float
    lon: float
    time: str
    radius_m: float = Field(alias="radiusM")


class ThreatView(_View):
    """A threat as the API shows it."""

    id: str
    threat_class: str = Field(alias="class")
    status: str
    sources: list[str]
    first_seen: str = Field(alias="firstSeen")
    last_seen: str = Field(alias="lastSeen")
    ended: str | None
    state: StateView
    first_eta: str | None = Field(alias="firstEta")
    zones: list[ZoneView]
    path: list[PathPoint]


def threat_view(
    tracked: TrackedThreat, zones: Mapping[str, Zone], now: datetime, *, with_path: bool
) -> ThreatView:
    """The view of one tracked threat at ``now``."""
    threat = tracked.threat
    eta_of = earliest_per_zone(tracked.exposures)
    zone_views = [
        ZoneView(
            zone=zone_id,
            partner=zones[zone_id].partner_id,
            name=zones[zone_id].name("en"),
            stage=stage.name.lower(),
            eta=eta_of[zone_id].eta.isoformat() if zone_id in eta_of else None,
            shelter_seconds=zones[zone_id].shelter_seconds,
        )
        for zone_id, stage in tracked.stages.items()
        if stage is not Stage.NONE
    ]
    zone_views.sort(key=lambda z: (z.eta or "~", z.zone))
    path: list[PathPoint] = []
    if with_path and threat.is_live:
        path = path_points(threat.state, threat.threat_class, threat.impact, now)
    state = threat.state
    first_eta = min((e.eta for e in tracked.exposures), default=None)
    return ThreatView(
        id=threat.id,
        threat_class=threat.threat_class.value,
        status=threat.status.value,
        sources=list(threat.sources),
        first_seen=threat.first_seen.isoformat(),
        last_seen=threat.last_seen.isoformat(),
        ended=None if threat.ended is None else threat.ended.value,
        state=StateView(
            time=state.time.isoformat(),
            lat=state.lat,
            lon=state.lon,
            alt_m=state.alt_m,
            speed_mps=state.speed_mps,
            heading_deg=state.heading_deg,
        ),
        first_eta=None if first_eta is None else first_eta.isoformat(),
        zones=zone_views,
        path=path,
    )


def path_points(
    state: Kinematics, threat_class: ThreatClass, impact: Impact | None, now: datetime
) -> list[PathPoint]:
    """The predicted path from ``state`` over the next ``PATH_HORIZON_S``, as the API shows it."""
    predicted = predict_path(state, threat_class, impact, horizon_s=PATH_HORIZON_S, now=now)
    return [
        PathPoint(lat=lat, lon=lon, time=at.isoformat(), radius_m=radius)
        for (lat, lon, at), radius in zip(predicted.points, predicted.radii_m, strict=True)
    ]


def picture_text(tracked: Iterable[TrackedThreat], zones: Mapping[str, Zone], now: datetime) -> str:
    """The assessing worker's threat picture at ``now``, as text the other workers of the node
    read back (:func:`read_picture`). Paths are left to the reader, which predicts one only
    when it is asked for it: each view keeps what its prediction needs."""
    threats = [
        {
            "view": threat_view(t, zones, now, with_path=False).model_dump(mode="json"),
            "live": t.threat.is_live,
            "climbMps": t.threat.state.climb_mps,
            "impact": None if t.threat.impact is None else _impact_json(t.threat.impact),
        }
        for t in tracked
    ]
    return json.dumps({"at": now.isoformat(), "threats": threats}, separators=(",", ":"))


def read_picture(
    text: str, now: datetime, max_age: timedelta, *, with_path: bool
) -> list[ThreatView] | None:
    """The views of a kept picture, live threats' paths predicted for ``now`` when
    ``with_path``; ``None`` when it is older than ``max_age`` at ``now`` (no worker has
    assessed since: it no longer says what is in the air)."""
    picture = json.loads(text)
    if now - datetime.fromisoformat(picture["at"]) > max_age:
        return None
    views = []
    for kept in picture["threats"]:
        view = ThreatView.model_validate(kept["view"])
        if with_path and kept["live"]:
            state = _kinematics(view.state, kept["climbMps"])
            impact = None if kept["impact"] is None else _impact(kept["impact"])
            threat_class = ThreatClass(view.threat_class)
            view = view.model_copy(update={"path": path_points(state, threat_class, impact, now)})
        views.append(view)
    return views


def _kinematics(state: StateView, climb_mps: float) -> Kinematics:
    return Kinematics(
        time=datetime.fromisoformat(state.time),
        lat=state.lat,
        lon=state.lon,
        alt_m=state.alt_m,
        speed_mps=state.speed_mps,
        heading_deg=state.heading_deg,
        climb_mps=climb_mps,
    )


def _impact_json(impact: Impact) -> dict[str, object]:
    time = None if impact.time is None else impact.time.isoformat()
    return {"lat": impact.lat, "lon": impact.lon, "radiusM": impact.radius_m, "time": time}


def _impact(kept: Mapping[str, Any]) -> Impact:
    time = None if kept["time"] is None else datetime.fromisoformat(kept["time"])
    return Impact(kept["lat"], kept["lon"], kept["radiusM"], time)

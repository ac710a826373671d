"""An observation as it travels between nodes: JSON, every field named as the domain names it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from tanbih.domain.cap import Status
from tanbih.domain.observation import EndReport, Observation
from tanbih.domain.threat import Impact, ThreatClass


class WireError(ValueError):
    """A bus message that is not an observation; the text names the field."""


def encode(obs: Observation) -> bytes:
    """``obs`` as UTF-8 JSON."""
    impact = None
    if obs.impact is not None:
        impact = {
            "lat": obs.impact.lat,
            "lon": obs.impact.lon,
            "radius_m": obs.impact.radius_m,
            "time": None if obs.impact.time is None else obs.impact.time.isoformat(),
        }
    body = {
        "id": obs.id,
        "partner_id": obs.partner_id,
        "sensor_id": obs.sensor_id,
        "time": obs.time.isoformat(),
        "lat": obs.lat,
        "lon": obs.lon,
        "alt_m": obs.alt_m,
        "speed_mps": obs.speed_mps,
        "heading_deg": obs.heading_deg,
        "threat_class": obs.threat_class.value,
        "confidence": obs.confidence,
        "status": obs.status.value,
        "track_id": obs.track_id,
        "climb_mps": obs.climb_mps,
        "impact": impact,
        "ended": None if obs.ended is None else obs.ended.value,
    }
    return json.dumps(body, separators=(",", ":")).encode()


def decode(data: bytes) -> Observation:
    """The observation in ``data``; ``WireError`` naming the first field that is wrong."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise WireError(f"(body): not JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise WireError("(body): not a JSON object")
    return from_body(body)


def from_body(body: Mapping[str, Any]) -> Observation:
    """The observation in a decoded JSON object (as sent, or as the observation log keeps it)."""
    try:
        impact = body.get("impact")
        return Observation(
            id=_text(body, "id"),
            partner_id=_text(body, "partner_id"),
            sensor_id=_text(body, "sensor_id"),
            time=_time(body["time"]),
            lat=float(body["lat"]),
            lon=float(body["lon"]),
            alt_m=float(body["alt_m"]),
            speed_mps=float(body["speed_mps"]),
            heading_deg=float(body["heading_deg"]),
            threat_class=ThreatClass(body["threat_class"]),
            confidence=float(body["confidence"]),
            status=Status(body["status"]),
            track_id=body.get("track_id"),
            climb_mps=float(body.get("climb_mps", 0.0)),
            impact=None if impact is None else _impact(impact),
            ended=None if body.get("ended") is None else EndReport(body["ended"]),
        )
    except KeyError as exc:
        raise WireError(f"{exc.args[0]}: missing") from exc
    except (TypeError, ValueError) as exc:
        raise WireError(f"not an observation: {exc}") from exc


def _text(body: Mapping[str, Any], name: str) -> str:
    value = body[name]
    if not isinstance(value, str) or not value:
        raise WireError(f"{name}: a non-empty string is needed")
    return value


def _time(text: object) -> datetime:
    if not isinstance(text, str):
        raise WireError("time: an ISO 8601 time is needed")
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise WireError("time: needs a time-zone offset")
    return moment


def _impact(body: Mapping[str, Any]) -> Impact:
    time = body.get("time")
    return Impact(
        float(body["lat"]),
        float(body["lon"]),
        float(body["radius_m"]),
        None if time is None else _time(time),
    )

"""The JSON shape of observations posted by partners' sensors, and of threats read back."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from tanbih.domain.cap import Status
from tanbih.domain.observation import EndReport, Observation, ground_velocity
from tanbih.domain.threat import Impact, ThreatClass


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", populate_by_name=True)


class PositionJson(_Strict):
    """Where the object is: WGS 84 degrees and metres above mean sea level."""

    lat: float
    lon: float
    alt_m: float = Field(0.0, alias="altM")


class VelocityJson(_Strict):
    """How it moves: ground speed and true heading, or an east/north vector; climb optional."""

    speed_mps: float | None = Field(None, alias="speedMps")
    heading_deg: float | None = Field(None, alias="headingDeg")
    east_mps: float | None = Field(None, alias="eastMps")
    north_mps: float | None = Field(None, alias="northMps")
    climb_mps: float = Field(0.0, alias="climbMps")

    @model_validator(mode="after")
    def _one_form(self) -> VelocityJson:
        polar = self.speed_mps is not None and self.heading_deg is not None
        vector = self.east_mps is not None and self.north_mps is not None
        if polar == vector:
            raise ValueError("give either speedMps and headingDeg, or eastMps and northMps")
        return self

    def ground(self) -> tuple[float, float]:
        """Speed (m/s) and heading (degrees) whichever form was given."""
        if self.east_mps is not None and self.north_mps is not None:
            return ground_velocity(self.east_mps, self.north_mps)
        # The validator guarantees the polar form is complete here.
        return self.speed_mps or 0.0, self.heading_deg or 0.0


class ImpactJson(_Strict):
    """A predicted impact point with its uncertainty radius, as launch detection gives it."""

    lat: float
    lon: float
    radius_m: float = Field(alias="radiusM")
    time: AwareDatetime | None = None


class ObservationJson(_Strict):
    """One report of one airborne object by one of the posting partner's sensors."""

    id: str = Field(min_length=1, max_length=128, description="the reporter's id for this report")
    sensor: str = Field(min_length=1, max_length=128)
    time: AwareDatetime = Field(description="ISO 8601 with a time-zone offset")
    position: PositionJson
    velocity: VelocityJson
    threat_class: ThreatClass = Field(alias="class")
    confidence: float = 1.0
    status: Literal["Actual", "Exercise"]
    track_id: str | None = Field(None, alias="trackId", max_length=128)
    impact: ImpactJson | None = None
    ended: EndReport | None = None

    def to_domain(self, partner_id: str) -> Observation:
        """The domain observation, reported by ``partner_id``."""
        speed, heading = self.velocity.ground()
        impact = None
        if self.impact is not None:
            impact = Impact(
                self.impact.lat, self.impact.lon, self.impact.radius_m, self.impact.time
            )
        return Observation(
            id=self.id,
            partner_id=partner_id,
            sensor_id=self.sensor,
            time=self.time,
            lat=self.position.lat,
            lon=self.position.lon,
            alt_m=self.position.alt_m,
            speed_mps=speed,
            heading_deg=heading,
            threat_class=self.threat_class,
            confidence=self.confidence,
            status=Status(self.status),
            track_id=self.track_id,
            climb_mps=self.velocity.climb_mps,
            impact=impact,
            ended=self.ended,
        )


def observation_body(obs: Observation) -> dict[str, Any]:
    """``obs`` as ``POST /api/v1/observations`` takes it (:class:`ObservationJson`)."""
    body: dict[str, Any] = {
        "id": obs.id,
        "sensor": obs.sensor_id,
        "time": obs.time.isoformat(),
        "position": {"lat": obs.lat, "lon": obs.lon, "altM": obs.alt_m},
        "velocity": {
            "speedMps": obs.speed_mps,
            "headingDeg": obs.heading_deg,
            "climbMps": obs.climb_mps,
        },
        "class": obs.threat_class.value,
        "confidence": obs.confidence,
        "status": obs.status.value,
    }
    if obs.track_id is not None:
        body["trackId"] = obs.track_id
    if obs.impact is not None:
        impact = obs.impact
        body["impact"] = {"lat": impact.lat, "lon": impact.lon, "radiusM": impact.radius_m}
        if impact.time is not None:
            body["impact"]["time"] = impact.time.isoformat()
    if obs.ended is not None:
        body["ended"] = obs.ended.value
    return body

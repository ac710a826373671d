"""The shape of a scenario file, as strict pydantic models; ``scenario.schema.json`` is made
from them (``tanbih exercise schema``) and packaged beside this module.

Strict and closed, like the coalition file: a misspelt key or a number where text belongs is
an error naming its path, never a silent default. Times are seconds after the scenario's
``start``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT = "tanbih-scenario/1"

Seconds = Annotated[float, Field(ge=0, description="seconds after the scenario's start")]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]
ThreatClassName = Literal[
    "unknown", "aircraft", "uav", "rocket", "cruise_missile", "ballistic_missile"
]


class _Closed(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SensorEntry(_Closed):
    """A partner's sensor: what it sees, how often it reports, how late and how precisely."""

    id: str = Field(min_length=1, description="the sensor's id in its reports")
    partner: str = Field(min_length=1, description="the partner whose sensor it is")
    lat: Lat
    lon: Lon
    range_km: float = Field(gt=0, le=5000, description="how far it sees")
    interval_s: float = Field(default=5.0, gt=0, le=600, description="time between reports")
    delay_s: float = Field(
        default=2.0, ge=0, le=300, description="detection delay: from in range to first report"
    )
    latency_s: float = Field(default=0.5, ge=0, le=60, description="report reaches the node after")
    noise_m: float = Field(default=200.0, ge=0, le=50_000, description="position error (1 sigma)")
    confidence: float = Field(default=0.8, ge=0, le=1)
    classes: list[ThreatClassName] | None = Field(
        default=None, description="the classes it can see (default: every class)"
    )


class Waypoint(_Closed):
    """A point of a flown track and the speed flown from it to the next."""

    lat: Lat
    lon: Lon
    alt_m: float = Field(default=100.0, ge=-500, le=1_500_000)
    speed_mps: float = Field(default=0.0, ge=0, le=7500, description="0 at the last waypoint")


class LaunchEntry(_Closed):
    """A straight flight from a launch point along a heading."""

    lat: Lat
    lon: Lon
    heading_deg: float = Field(ge=0, lt=360)
    speed_mps: float = Field(gt=0, le=7500)
    alt_m: float = Field(default=100.0, ge=-500, le=1_500_000)
    flight_s: float = Field(gt=0, le=36_000, description="how long it flies")


class Place(_Closed):
    """A point on the ground."""

    lat: Lat
    lon: Lon


class BallisticEntry(_Closed):
    """A ballistic launch: launch and impact points and the flight time between them."""

    launch: Place
    impact: Place
    flight_s: float = Field(gt=0, le=3_600)
    apogee_m: float = Field(default=150_000.0, gt=0, le=1_500_000)
    impact_radius_m: float = Field(default=5_000.0, gt=0, le=200_000)


class ThreatEntry(_Closed):
    """One hostile object: when it appears, what it is and how it flies (exactly one way)."""

    id: str = Field(min_length=1)
    threat_class: ThreatClassName = Field(alias="class")
    at: Seconds = 0.0
    waypoints: list[Waypoint] | None = Field(default=None, min_length=2)
    launch: LaunchEntry | None = None
    ballistic: BallisticEntry | None = None
    neutralised_at: Seconds | None = Field(
        default=None, description="a sensor reports it neutralised then (seconds after start)"
    )

    @model_validator(mode="after")
    def _one_flight(self) -> ThreatEntry:
        given = [n for n in ("waypoints", "launch", "ballistic") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of waypoints, launch or ballistic")
        return self


class AlertEntry(_Closed):
    """A CAP message a partner posts as it is: a warning of zones, or the Cancel of one."""

    at: Seconds
    partner: str = Field(min_length=1)
    id: str = Field(min_length=1, description="the message's identifier (unique in the scenario)")
    type: Literal["alert", "update", "cancel"] = "alert"
    response: Literal["prepare", "shelter", "all_clear"] = "prepare"
    zones: list[str] = Field(default_factory=list, description="zone ids it warns")
    references: list[str] = Field(default_factory=list, description="ids of messages it follows")
    headline: str = "hostile air threat"
    false_alarm: bool = Field(default=False, description="nothing was there: scored as false")


class ReplayEntry(_Closed):
    """A recorded alert log replayed as CAP alerts, one per distinct second of the log."""

    file: str = Field(min_length=1, description="CSV beside the scenario (HFC log columns)")
    partner: str = Field(min_length=1, description="the partner that posts them")
    start: str = Field(description="first local time replayed, ISO 8601 without offset")
    end: str = Field(description="local time the replay stops before")
    time_zone: str = "Asia/Jerusalem"


class ActionEntry(_Closed):
    """What a partner's people do: answer after N s or never, decline, change availability."""

    partner: str = Field(min_length=1)
    at: Seconds = 0.0
    answer_after_s: float | None = Field(
        default=None, ge=0, description="duty officer acknowledges N s after being reached"
    )
    never_answers: bool = False
    answers_by: Literal["console", "sms", "voice", "email"] | None = Field(
        default=None, description="the only channel the duty officer answers on"
    )
    declines: bool = Field(default=False, description="declines a request to respond")
    capability: str | None = Field(default=None, description="capability switched at 'at'")
    available: bool | None = None

    @model_validator(mode="after")
    def _one_action(self) -> ActionEntry:
        kinds = [
            self.answer_after_s is not None,
            self.never_answers,
            self.declines,
            self.capability is not None,
        ]
        if sum(kinds) != 1:
            raise ValueError(
                "give exactly one of answer_after_s, never_answers, declines or capability"
            )
        if (self.capability is None) != (self.available is None):
            raise ValueError("capability and available go together")
        return self


class FaultEntry(_Closed):
    """Something broken for a period: a webhook, the SMS carrier, a partner's node."""

    kind: Literal["webhook_down", "sms_carrier_failing", "voice_carrier_failing", "node_offline"]
    partner: str | None = Field(default=None, description="whose (every partner if absent)")
    start: Seconds = 0.0
    end: Seconds | None = Field(default=None, description="until the scenario ends if absent")


class WarnedEntry(_Closed):
    """Zones that must reach a stage by a time, or with a margin before the threat."""

    zones: list[str] = Field(min_length=1)
    stage: Literal["early_warning", "take_shelter"] = "take_shelter"
    by: Seconds | None = Field(default=None, description="at the latest (seconds after start)")
    min_margin_s: float | None = Field(
        default=None, description="time to shelter left over when the threat arrives"
    )


class AcknowledgedEntry(_Closed):
    """A partner must acknowledge, by a time, by some route."""

    partner: str = Field(min_length=1)
    within_s: float | None = Field(default=None, gt=0, description="of being first reached")
    via: Literal["console", "email_link", "sms_reply", "voice_key", "cap_ack"] | None = None


class EscalatedEntry(_Closed):
    """A partner's escalation must reach a duty (or the coordinator's)."""

    partner: str = Field(min_length=1)
    reaches: list[str] = Field(min_length=1, description="contact ids that must be notified")


class ResponderEntry(_Closed):
    """Who should be proposed to respond to a threat."""

    threat: str = Field(min_length=1)
    proposed: str = Field(min_length=1, description="the partner asked first")
    responds: str | None = Field(default=None, description="the partner that accepts in the end")


class DeliveryEntry(_Closed):
    """What delivery must achieve over the whole scenario."""

    lost: int = Field(default=0, ge=0, description="messages accepted but never delivered")
    p99_ms: float | None = Field(default=None, gt=0, description="delivery latency, 99th pct")
    channels: list[Literal["console", "webhook", "email", "sms", "voice"]] = Field(
        default_factory=list, description="channel kinds that must have delivered"
    )


class ExpectEntry(_Closed):
    """The expected outcomes; a run that misses one fails with the finding."""

    warned: list[WarnedEntry] = Field(default_factory=list)
    not_warned: list[str] = Field(default_factory=list, description="zones never warned")
    acknowledged: list[AcknowledgedEntry] = Field(default_factory=list)
    not_acknowledged: list[str] = Field(default_factory=list, description="partners")
    escalated: list[EscalatedEntry] = Field(default_factory=list)
    cancelled: list[str] = Field(default_factory=list, description="ids of messages cancelled")
    max_false_warnings: int | None = Field(default=None, ge=0)
    responders: list[ResponderEntry] = Field(default_factory=list)
    delivery: DeliveryEntry | None = None


class ScenarioFile(_Closed):
    """A scenario: the coalition it runs on, its start, injects and expected outcomes."""

    format: Literal["tanbih-scenario/1"]
    name: str = Field(min_length=1)
    description: str = ""
    coalition: str = Field(description="the coalition file, relative to the scenario")
    start: str = Field(description="ISO 8601 with offset: the simulated time the run starts at")
    duration_s: float = Field(gt=0, le=86_400, description="simulated seconds the run lasts")
    seed: int = Field(default=0, description="seeds the noise: the same seed, the same run")
    sensors: list[SensorEntry] = Field(default_factory=list)
    threats: list[ThreatEntry] = Field(default_factory=list)
    alerts: list[AlertEntry] = Field(default_factory=list)
    replay: ReplayEntry | None = None
    actions: list[ActionEntry] = Field(default_factory=list)
    faults: list[FaultEntry] = Field(default_factory=list)
    expect: ExpectEntry = Field(default_factory=ExpectEntry)

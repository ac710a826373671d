"""The shape of the coalition file, as strict pydantic models.

Strict and closed: a misspelt key, a number where text belongs or an unknown role is an error,
never a silent default. Checks that span several entries (unique ids, one coordinator, senders
that belong to the node's partner...) live in :mod:`tanbih.coalition.checks`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tanbih.coalition.tokens import is_token_hash

FORMAT = "tanbih-coalition/1"

MAX_SHELTER_SECONDS = 600

ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,31}")
# RFC 3066-ish: a 2-3 letter primary language, then optional subtags (en, ar, he, en-US, zh-Hant).
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# CAP 1.2 forbids spaces, commas and the XML-reserved < and & in <sender>.
_SENDER = re.compile(r"[^\s,<&]+")
_CLOCK = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]")
# Escalation waits longer than a day are a mistake: nobody is still waiting for that warning.
MAX_ESCALATION_SECONDS = 86_400


def _id(value: str) -> str:
    if not ID_PATTERN.fullmatch(value):
        raise ValueError("an id is 1-32 lowercase letters, digits or '-', starting with a letter")
    return value


def _language(value: str) -> str:
    if not _LANGUAGE.fullmatch(value):
        raise ValueError(f"{value!r} is not a language tag like 'ar', 'he' or 'en-US'")
    return value


def _sender(value: str) -> str:
    if not _SENDER.fullmatch(value):
        raise ValueError("a CAP sender is non-empty, without spaces, commas, '<' or '&'")
    return value


def _token_hash(value: str) -> str:
    if not is_token_hash(value):
        raise ValueError("a token is declared by its hash: 'sha256:' and 64 lowercase hex digits")
    return value


def _clock(value: str) -> str:
    if not _CLOCK.fullmatch(value):
        raise ValueError("a time of day is HH:MM, 00:00 to 23:59 (quote it in YAML)")
    return value


def _time_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone like 'Asia/Jerusalem'") from None
    return value


Id = Annotated[str, AfterValidator(_id)]
Language = Annotated[str, AfterValidator(_language)]
Languages = Annotated[list[Language], Field(min_length=1)]
Sender = Annotated[str, AfterValidator(_sender)]
TokenHash = Annotated[str, AfterValidator(_token_hash)]
Text = Annotated[str, Field(min_length=1)]
ShelterSeconds = Annotated[int, Field(ge=0, le=MAX_SHELTER_SECONDS)]
ClockTime = Annotated[str, AfterValidator(_clock)]
TimeZone = Annotated[str, AfterValidator(_time_zone)]
Seconds = Annotated[int, Field(ge=0, le=MAX_ESCALATION_SECONDS)]
Duty = Literal["duty_officer", "deputy", "liaison"]
ChannelKind = Literal["console", "webhook", "email", "sms", "voice", "apprise"]
Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
CapStatus = Literal["Actual", "Exercise", "System", "Test", "Draft"]
CapMsgType = Literal["Alert", "Update", "Cancel", "Ack", "Error"]
CapCategory = Literal[
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport", "Infra",
    "CBRNE", "Other",
]  # fmt: skip
CapSeverity = Literal["Extreme", "Severe", "Moderate", "Minor", "Unknown"]
CapUrgency = Literal["Immediate", "Expected", "Future", "Past", "Unknown"]
Relation = Literal["affected", "subscriber", "coordinator", "source"]


class _Section(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


class HeaderEntry(_Section):
    """``coalition:``: the agreement's name and the version partners signed."""

    name: Text
    version: Text


class NodeEntry(_Section):
    """``node:``: the partner running this node and the CAP sender it emits as."""

    partner: Id
    sender: Sender


class ChannelEntry(_Section):
    """One address of a contact on one channel."""

    kind: ChannelKind
    address: Text


class ContactEntry(_Section):
    """A person or desk at a partner."""

    id: Id
    name: Text
    duty: Duty
    languages: Languages
    channels: list[ChannelEntry] = []


class ShiftEntry(_Section):
    """A recurring watch of a partner's roster: local times, the weekdays it starts on."""

    days: Annotated[list[Day], Field(min_length=1)] | None = None
    start: ClockTime
    end: ClockTime
    duty_officer: list[Id] = []
    deputy: list[Id] = []
    liaison: list[Id] = []

    @model_validator(mode="after")
    def _someone_on_duty(self) -> ShiftEntry:
        if not (self.duty_officer or self.deputy or self.liaison):
            raise ValueError("a shift names its duty_officer, deputy or liaison (contact ids)")
        return self


class RosterEntry(_Section):
    """``partners[].roster``: who holds which duty when, in the partner's time zone."""

    time_zone: TimeZone
    shifts: Annotated[list[ShiftEntry], Field(min_length=1)]


class KeyEntry(_Section):
    """A key the partner signs CAP messages with: its certificate, PEM text or a PEM file path."""

    id: Id
    algorithm: Literal["ecdsa-sha256", "rsa-sha256"]
    certificate: Text


class PartnerEntry(_Section):
    """A member of the coalition."""

    id: Id
    name: Text
    role: Literal["coordinator", "partner", "observer"]
    languages: Languages
    senders: list[Sender] = []
    tokens: list[TokenHash] = []
    contacts: list[ContactEntry] = []
    roster: RosterEntry | None = None
    keys: list[KeyEntry] = []


class ZoneSourceEntry(_Section):
    """A GeoJSON file of zones owned by one partner, and which feature properties mean what.

    ``shelter_seconds_property`` is read per feature; ``shelter_seconds`` is the value for
    features that lack it (or for all features, when no property is named).
    """

    partner: Id
    file: Text
    id_property: Text
    names: Annotated[dict[Language, Text], Field(min_length=1)]
    shelter_seconds_property: Text | None = None
    shelter_seconds: ShelterSeconds | None = None

    @model_validator(mode="after")
    def _some_shelter_time(self) -> ZoneSourceEntry:
        if self.shelter_seconds_property is None and self.shelter_seconds is None:
            raise ValueError("give shelter_seconds_property, shelter_seconds, or both")
        return self


class ReceiverEntry(_Section):
    """Whom of a partner a route or escalation step tells: duties, on channel kinds."""

    duty: Annotated[list[Duty], Field(min_length=1)]
    channels: Annotated[list[ChannelKind], Field(min_length=1)]


class MatchEntry(_Section):
    """A route's matchers: each label given must have one of the listed values."""

    status: Annotated[list[CapStatus], Field(min_length=1)] | None = None
    msg_type: Annotated[list[CapMsgType], Field(min_length=1)] | None = None
    category: Annotated[list[CapCategory], Field(min_length=1)] | None = None
    severity: Annotated[list[CapSeverity], Field(min_length=1)] | None = None
    urgency: Annotated[list[CapUrgency], Field(min_length=1)] | None = None
    zone: Annotated[list[Text], Field(min_length=1)] | None = None
    source: Annotated[list[Id], Field(min_length=1)] | None = None
    partner: Annotated[list[Id], Field(min_length=1)] | None = None
    relation: Annotated[list[Relation], Field(min_length=1)] | None = None


class RouteEntry(_Section):
    """A node of the routing tree; ``receivers`` and ``escalate`` are inherited when absent."""

    name: Text | None = None
    match: MatchEntry | None = None
    match_not: MatchEntry | None = None
    receivers: list[ReceiverEntry] | None = None
    escalate: bool | None = None
    continue_: bool = Field(default=False, alias="continue")
    routes: list[RouteEntry] = []


class RoutingEntry(_Section):
    """``routing:``: categories partners subscribe to, and the routing tree."""

    subscriptions: dict[Id, Annotated[list[CapCategory], Field(min_length=1)]] = {}
    route: RouteEntry


class StepEntry(ReceiverEntry):
    """One escalation step: ``after`` seconds unacknowledged, tell duties of ``of`` on channels."""

    after: Seconds
    of: Literal["partner", "coordinator"] = "partner"


class RepeatEntry(_Section):
    """Run the steps ``times`` more times, each round ``every`` seconds after the last."""

    times: Annotated[int, Field(ge=1, le=100)]
    every: Annotated[int, Field(ge=1, le=MAX_ESCALATION_SECONDS)]


class PolicyEntry(_Section):
    """One escalation policy; no steps means the first notification is all there is."""

    steps: list[StepEntry] = []
    repeat: RepeatEntry | None = None


class EscalationEntry(_Section):
    """``escalation:``: the default policy and partners' own."""

    default: PolicyEntry = PolicyEntry()
    partners: dict[Id, PolicyEntry] = {}


class SignaturesEntry(_Section):
    """``signatures:``: whether the partners agreed to refuse unsigned CAP messages."""

    required: bool


class CoalitionFile(_Section):
    """The whole file. Policy sections other stages read are kept verbatim for them."""

    format: Literal["tanbih-coalition/1"]
    coalition: HeaderEntry
    node: NodeEntry
    partners: Annotated[list[PartnerEntry], Field(min_length=1)]
    zones: list[ZoneSourceEntry] = []
    routing: RoutingEntry | None = None
    escalation: EscalationEntry | None = None
    signatures: SignaturesEntry | None = None
    sharing: Any = None
    response: Any = None
    agreement: Any = None


POLICY_SECTIONS = ("sharing", "response", "agreement")

"""The shape of the coalition file, as strict pydantic models.

Strict and closed: a misspelt key, a number where text belongs or an unknown role is an error,
never a silent default. Checks that span several entries (unique ids, one coordinator, senders
that belong to the node's partner...) live in :mod:`tanbih.coalition.checks`.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from tanbih.coalition.tokens import is_token_hash

FORMAT = "tanbih-coalition/1"

MAX_SHELTER_SECONDS = 600

ID_PATTERN = re.compile(r"[a-z][a-z0-9-]{0,31}")
# RFC 3066-ish: a 2-3 letter primary language, then optional subtags (en, ar, he, en-US, zh-Hant).
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8})*")
# CAP 1.2 forbids spaces, commas and the XML-reserved < and & in <sender>.
_SENDER = re.compile(r"[^\s,<&]+")


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


Id = Annotated[str, AfterValidator(_id)]
Language = Annotated[str, AfterValidator(_language)]
Languages = Annotated[list[Language], Field(min_length=1)]
Sender = Annotated[str, AfterValidator(_sender)]
TokenHash = Annotated[str, AfterValidator(_token_hash)]
Text = Annotated[str, Field(min_length=1)]
ShelterSeconds = Annotated[int, Field(ge=0, le=MAX_SHELTER_SECONDS)]


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

    kind: Literal["console", "webhook", "email", "sms", "voice", "apprise"]
    address: Text


class ContactEntry(_Section):
    """A person or desk at a partner."""

    id: Id
    name: Text
    duty: Literal["duty_officer", "deputy", "liaison"]
    languages: Languages
    channels: list[ChannelEntry] = []


class PartnerEntry(_Section):
    """A member of the coalition."""

    id: Id
    name: Text
    role: Literal["coordinator", "partner", "observer"]
    languages: Languages
    senders: list[Sender] = []
    tokens: list[TokenHash] = []
    contacts: list[ContactEntry] = []


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


class CoalitionFile(_Section):
    """The whole file. The policy sections are kept verbatim for the stages that read them."""

    format: Literal["tanbih-coalition/1"]
    coalition: HeaderEntry
    node: NodeEntry
    partners: Annotated[list[PartnerEntry], Field(min_length=1)]
    zones: list[ZoneSourceEntry] = []
    routing: Any = None
    escalation: Any = None
    sharing: Any = None
    response: Any = None
    agreement: Any = None


POLICY_SECTIONS = ("routing", "escalation", "sharing", "response", "agreement")

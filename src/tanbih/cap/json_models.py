"""The JSON mirror's published shape: pydantic v2 models FastAPI turns into OpenAPI schemas.

CAP element names are the keys (camelCase as in the XML); an element that may repeat is an
array under its singular name (``info``, ``category``, ``area``, ``polygon``...); times,
polygons, circles and ``references`` entries are strings in CAP's own syntax, so the JSON says
exactly what the XML would. Models are strict (JSON ``false`` is no number, ``"1"`` no integer)
and forbid unknown keys. The code lists reuse the domain enums, validated from their string
values (pydantic's strict mode would accept only enum instances from decoded JSON).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, Strict
from pydantic.alias_generators import to_camel

from tanbih.cap.syntax import CAP_TIME_PATTERN, unwritable
from tanbih.domain.cap import (
    Category,
    Certainty,
    MsgType,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)


def _xml_text(value: str) -> str:
    if problem := unwritable(value):
        raise ValueError(problem)
    return value


Text = Annotated[str, AfterValidator(_xml_text)]
CapTime = Annotated[
    str,
    Field(pattern=CAP_TIME_PATTERN, examples=["2026-03-01T14:05:00+02:00"]),
]
_CODE = Strict(False)  # from its string value; no other coercion exists for an enum


class _Strict(BaseModel):
    # Python names in snake case; the JSON keys are CAP's camelCase element names.
    model_config = ConfigDict(strict=True, extra="forbid", alias_generator=to_camel)


class NamedValueJson(_Strict):
    """``eventCode``, ``parameter`` or ``geocode``: a ``valueName``/``value`` pair."""

    value_name: Text
    value: Text


class ResourceJson(_Strict):
    """``info/resource``: a supplementary file by ``uri`` or inline base64 ``derefUri``."""

    resource_desc: Text
    mime_type: Text
    size: int | None = None
    uri: Text | None = None
    deref_uri: Text | None = None
    digest: Text | None = None


class AreaJson(_Strict):
    """``info/area``: polygons as ``"lat,lon lat,lon ..."``, circles as ``"lat,lon radius"``."""

    area_desc: Text
    polygon: list[Text] = Field(
        default_factory=list, examples=[["32.1,34.8 32.2,34.9 32.0,34.9 32.1,34.8"]]
    )
    circle: list[Text] = Field(default_factory=list, examples=[["32.08,34.78 5.0"]])
    geocode: list[NamedValueJson] = Field(default_factory=list)
    altitude: float | None = None
    ceiling: float | None = None


class InfoJson(_Strict):
    """``alert/info``: the event in one language."""

    language: Text = "en-US"
    category: list[Annotated[Category, _CODE]] = Field(default_factory=list)
    event: Text
    response_type: list[Annotated[ResponseType, _CODE]] = Field(default_factory=list)
    urgency: Annotated[Urgency, _CODE]
    severity: Annotated[Severity, _CODE]
    certainty: Annotated[Certainty, _CODE]
    audience: Text | None = None
    event_code: list[NamedValueJson] = Field(default_factory=list)
    effective: CapTime | None = None
    onset: CapTime | None = None
    expires: CapTime | None = None
    sender_name: Text | None = None
    headline: Text | None = None
    description: Text | None = None
    instruction: Text | None = None
    web: Text | None = None
    contact: Text | None = None
    parameter: list[NamedValueJson] = Field(default_factory=list)
    resource: list[ResourceJson] = Field(default_factory=list)
    area: list[AreaJson] = Field(default_factory=list)


class AlertJson(_Strict):
    """A CAP 1.2 ``alert`` as JSON; ``references`` entries are ``"sender,identifier,sent"``."""

    identifier: Text
    sender: Text
    sent: CapTime
    status: Annotated[Status, _CODE]
    msg_type: Annotated[MsgType, _CODE]
    source: Text | None = None
    scope: Annotated[Scope, _CODE]
    restriction: Text | None = None
    addresses: Text | None = None
    code: list[Text] = Field(default_factory=list)
    note: Text | None = None
    references: list[Text] = Field(
        default_factory=list, examples=[["idf@example.org,ALERT-1,2026-03-01T14:05:00+02:00"]]
    )
    incidents: Text | None = None
    info: list[InfoJson] = Field(default_factory=list)

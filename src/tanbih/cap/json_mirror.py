"""The JSON mirror of CAP 1.2 for the API: the model to JSON and back, with the same rules.

The shape is :class:`~tanbih.cap.json_models.AlertJson`. Writing omits absent optional
elements and empty arrays, like the XML; reading accepts them as absent (``null``, ``""``,
``[]``). A refused document raises ``CapError`` whose problems name JSON paths such as
``info[0].area[1].polygon[0]``; the rules are those of the XML reader.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from pydantic import ValidationError

from tanbih.cap.json_models import AlertJson, AreaJson, InfoJson, NamedValueJson, ResourceJson
from tanbih.cap.paths import Finding, Path, Step, json_problems, json_where
from tanbih.cap.rules import check_alert, code_list_message
from tanbih.cap.syntax import (
    TIME_FORMAT,
    format_circle,
    format_polygon,
    format_reference,
    format_time,
    parse_circle,
    parse_polygon,
    parse_reference,
    parse_time,
)
from tanbih.domain.cap import Alert, Area, Info, NamedValue, Resource
from tanbih.errors import CapError, Problem

T = TypeVar("T")


def alert_from_json(obj: object) -> Alert:
    """The alert in a decoded JSON document; ``CapError`` naming every problem if refused."""
    try:
        document = AlertJson.model_validate(obj)
    except ValidationError as exc:
        raise CapError(_schema_problems(exc)) from None
    found: list[Finding] = []
    alert = _alert(document, found)
    if alert is not None:
        found = check_alert(alert)
    if found or alert is None:
        raise CapError(json_problems(found))
    return alert


def alert_to_json(alert: Alert) -> dict[str, Any]:
    """``alert`` as a JSON-ready dict in the :class:`AlertJson` shape."""
    out: dict[str, Any] = {
        "identifier": alert.identifier,
        "sender": alert.sender,
        "sent": format_time(alert.sent),
        "status": str(alert.status),
        "msgType": str(alert.msg_type),
    }
    _put(out, "source", alert.source)
    out["scope"] = str(alert.scope)
    _put(out, "restriction", alert.restriction)
    _put(out, "addresses", alert.addresses)
    _put_all(out, "code", list(alert.codes))
    _put(out, "note", alert.note)
    _put_all(out, "references", [format_reference(r) for r in alert.references])
    _put(out, "incidents", alert.incidents)
    _put_all(out, "info", [_info_json(info) for info in alert.infos])
    return out


def _put(out: dict[str, Any], key: str, value: str | float | None) -> None:
    if value is not None and value != "":
        out[key] = value


def _put_all(out: dict[str, Any], key: str, values: list[Any]) -> None:
    if values:
        out[key] = values


def _pair(pair: NamedValue) -> dict[str, str]:
    return {"valueName": pair.value_name, "value": pair.value}


def _info_json(info: Info) -> dict[str, Any]:
    out: dict[str, Any] = {
        "language": info.language,
        "category": [str(c) for c in info.categories],
        "event": info.event,
    }
    _put_all(out, "responseType", [str(r) for r in info.response_types])
    out["urgency"] = str(info.urgency)
    out["severity"] = str(info.severity)
    out["certainty"] = str(info.certainty)
    _put(out, "audience", info.audience)
    _put_all(out, "eventCode", [_pair(p) for p in info.event_codes])
    for key, moment in (
        ("effective", info.effective),
        ("onset", info.onset),
        ("expires", info.expires),
    ):
        if moment is not None:
            out[key] = format_time(moment)
    _put(out, "senderName", info.sender_name)
    _put(out, "headline", info.headline)
    _put(out, "description", info.description)
    _put(out, "instruction", info.instruction)
    _put(out, "web", info.web)
    _put(out, "contact", info.contact)
    _put_all(out, "parameter", [_pair(p) for p in info.parameters])
    _put_all(out, "resource", [_resource_json(r) for r in info.resources])
    _put_all(out, "area", [_area_json(a) for a in info.areas])
    return out


def _resource_json(resource: Resource) -> dict[str, Any]:
    out: dict[str, Any] = {"resourceDesc": resource.resource_desc, "mimeType": resource.mime_type}
    if resource.size is not None:
        out["size"] = resource.size
    _put(out, "uri", resource.uri)
    _put(out, "derefUri", resource.deref_uri)
    _put(out, "digest", resource.digest)
    return out


def _area_json(area: Area) -> dict[str, Any]:
    out: dict[str, Any] = {"areaDesc": area.area_desc}
    _put_all(out, "polygon", [format_polygon(p) for p in area.polygons])
    _put_all(out, "circle", [format_circle(c) for c in area.circles])
    _put_all(out, "geocode", [_pair(p) for p in area.geocodes])
    _put(out, "altitude", area.altitude)
    _put(out, "ceiling", area.ceiling)
    return out


def _schema_problems(error: ValidationError) -> list[Problem]:
    problems = []
    for entry in error.errors():
        path = _path(entry["loc"])
        name = path[-1][0] if path else ""
        kind, value = entry["type"], entry.get("input")
        if kind == "missing":
            message = "required element is missing"
        elif kind == "extra_forbidden":
            message = f"CAP 1.2 has no element {name!r} here"
        elif kind == "enum" and isinstance(value, str):
            message = code_list_message(name, value)
        elif kind == "string_pattern_mismatch":
            message = f"{value!r} is not a CAP time: {TIME_FORMAT}"
        elif kind == "model_type":
            message = "a CAP alert in JSON is an object"
        elif kind == "value_error":
            message = str(entry["ctx"]["error"])
        else:
            message = entry["msg"]
        problems.append(Problem(json_where(path), message))
    return problems


def _path(loc: tuple[int | str, ...]) -> Path:
    """Pydantic's ``('info', 0, 'area')`` as a CAP path: an index belongs to the name before."""
    steps: list[Step] = []
    for part in loc:
        if isinstance(part, int) and steps:
            steps[-1] = (steps[-1][0], part)
        else:
            steps.append((str(part), None))
    return tuple(steps)


def _read(found: list[Finding], path: Path, parse: Callable[[str], T], text: str) -> T | None:
    try:
        return parse(text)
    except ValueError as exc:
        found.append((path, str(exc)))
        return None


def _time(found: list[Finding], path: Path, text: str | None) -> datetime | None:
    return None if text is None else _read(found, path, parse_time, text)


def _pairs(pairs: list[NamedValueJson]) -> tuple[NamedValue, ...]:
    return tuple(NamedValue(p.value_name, p.value) for p in pairs)


def _alert(doc: AlertJson, found: list[Finding]) -> Alert | None:
    sent = _time(found, (("sent", None),), doc.sent)
    references = [
        _read(found, (("references", k),), parse_reference, entry)
        for k, entry in enumerate(doc.references)
    ]
    infos = [_info(info, (("info", i),), found) for i, info in enumerate(doc.info)]
    if sent is None or found:
        return None
    return Alert(
        identifier=doc.identifier,
        sender=doc.sender,
        sent=sent,
        status=doc.status,
        msg_type=doc.msg_type,
        scope=doc.scope,
        source=doc.source or None,
        restriction=doc.restriction or None,
        addresses=doc.addresses or None,
        codes=tuple(doc.code),
        note=doc.note or None,
        references=tuple(r for r in references if r is not None),
        incidents=doc.incidents or None,
        infos=tuple(infos),
    )


def _info(doc: InfoJson, at: Path, found: list[Finding]) -> Info:
    return Info(
        categories=tuple(doc.category),
        event=doc.event,
        urgency=doc.urgency,
        severity=doc.severity,
        certainty=doc.certainty,
        language=doc.language,
        response_types=tuple(doc.response_type),
        audience=doc.audience or None,
        event_codes=_pairs(doc.event_code),
        effective=_time(found, (*at, ("effective", None)), doc.effective),
        onset=_time(found, (*at, ("onset", None)), doc.onset),
        expires=_time(found, (*at, ("expires", None)), doc.expires),
        sender_name=doc.sender_name or None,
        headline=doc.headline or None,
        description=doc.description or None,
        instruction=doc.instruction or None,
        web=doc.web or None,
        contact=doc.contact or None,
        parameters=_pairs(doc.parameter),
        resources=tuple(_resource(r) for r in doc.resource),
        areas=tuple(_area(a, (*at, ("area", j)), found) for j, a in enumerate(doc.area)),
    )


def _resource(doc: ResourceJson) -> Resource:
    return Resource(
        resource_desc=doc.resource_desc,
        mime_type=doc.mime_type,
        size=doc.size,
        uri=doc.uri or None,
        deref_uri=doc.deref_uri or None,
        digest=doc.digest or None,
    )


def _area(doc: AreaJson, at: Path, found: list[Finding]) -> Area:
    polygons = [
        _read(found, (*at, ("polygon", k)), parse_polygon, p) for k, p in enumerate(doc.polygon)
    ]
    circles = [
        _read(found, (*at, ("circle", k)), parse_circle, c) for k, c in enumerate(doc.circle)
    ]
    return Area(
        area_desc=doc.area_desc,
        polygons=tuple(p for p in polygons if p is not None),
        circles=tuple(c for c in circles if c is not None),
        geocodes=_pairs(doc.geocode),
        altitude=doc.altitude,
        ceiling=doc.ceiling,
    )

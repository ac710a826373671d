"""From a schema-valid CAP 1.2 element tree to the :class:`~tanbih.domain.cap.Alert` model.

The XSD has already vouched for structure, order and code lists, so this walks each element's
children once and reads them by name. What the XSD leaves as free text — polygons, circles,
references, and times it accepts but Python cannot hold (``24:00:00``) — is read here, and each
failure becomes a finding. Empty optional elements (``<note/>``) are read as absent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TypeVar, cast

from lxml import etree

from tanbih.cap.paths import CAP_ELEMENTS, Finding, Path
from tanbih.cap.syntax import parse_circle, parse_polygon, parse_reference
from tanbih.domain.cap import (
    CAP_NAMESPACE,
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Polygon,
    Reference,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)

_NS = f"{{{CAP_NAMESPACE}}}"
# Qualified tag -> CAP local name; comments, PIs and ds:Signature are not in it.
_LOCAL = {_NS + name: name for name in CAP_ELEMENTS}
_STATUS = {m.value: m for m in Status}
_MSG_TYPE = {m.value: m for m in MsgType}
_SCOPE = {m.value: m for m in Scope}
_CATEGORY = {m.value: m for m in Category}
_RESPONSE_TYPE = {m.value: m for m in ResponseType}
_URGENCY = {m.value: m for m in Urgency}
_SEVERITY = {m.value: m for m in Severity}
_CERTAINTY = {m.value: m for m in Certainty}
_INFO_LISTS = frozenset({"parameter", "area", "category", "responseType", "eventCode", "resource"})
T = TypeVar("T")


def alert_from_tree(root: etree._Element) -> tuple[Alert | None, list[Finding]]:
    """The model of the ``<alert>`` at ``root``, or ``None`` and what could not be read."""
    found: list[Finding] = []
    text: dict[str, str] = {}
    codes: list[str] = []
    infos: list[Info] = []
    for child in root:
        name = _LOCAL.get(child.tag)
        if name == "info":
            infos.append(_info(child, (("info", len(infos)),), found))
        elif name == "code":
            codes.append(child.text or "" if not len(child) else _joined(child))
        elif name is not None:
            text[name] = child.text or "" if not len(child) else _joined(child)
    sent = _time(found, (), "sent", text["sent"])
    references: list[Reference] = []
    for k, entry in enumerate(text.get("references", "").split()):
        _read(found, (("references", k),), parse_reference, entry, references)
    if sent is None or found:
        return None, found
    alert = Alert(
        identifier=text["identifier"],
        sender=text["sender"],
        sent=sent,
        status=_STATUS[text["status"]],
        msg_type=_MSG_TYPE[text["msgType"]],
        scope=_SCOPE[text["scope"]],
        source=text.get("source") or None,
        restriction=text.get("restriction") or None,
        addresses=text.get("addresses") or None,
        codes=tuple(codes),
        note=text.get("note") or None,
        references=tuple(references),
        incidents=text.get("incidents") or None,
        infos=tuple(infos),
    )
    return alert, found


# Leaf text is read inline as ``child.text or "" if not len(child) else _joined(child)``:
# a function call per element is a measurable share of the time per message.


def _joined(element: etree._Element) -> str:
    """The text of an element that comments or processing instructions split into pieces."""
    return "".join(cast("Iterator[str]", element.itertext()))


def _text(element: etree._Element) -> str:
    return element.text or "" if not len(element) else _joined(element)


def _fields(element: etree._Element) -> dict[str, str]:
    return {name: _text(child) for child in element if (name := _LOCAL.get(child.tag))}


def _named(element: etree._Element) -> NamedValue:
    if len(element) == 2:  # the XSD's valueName, value with nothing between: the usual case
        name, value = element
        return NamedValue(
            name.text or "" if not len(name) else _joined(name),
            value.text or "" if not len(value) else _joined(value),
        )
    fields = _fields(element)
    return NamedValue(fields["valueName"], fields["value"])


def _time(found: list[Finding], at: Path, name: str, text: str | None) -> datetime | None:
    if text is None:
        return None
    try:
        # The XSD has checked the CAP pattern; xs:dateTime collapses surrounding whitespace.
        return datetime.fromisoformat(text.strip())
    except ValueError:
        found.append(((*at, (name, None)), f"{text.strip()!r} is not a real date and time"))
        return None


def _read(
    found: list[Finding], path: Path, parse: Callable[[str], T], text: str, into: list[T]
) -> None:
    try:
        into.append(parse(text))
    except ValueError as exc:
        found.append((path, str(exc)))


def _info(element: etree._Element, at: Path, found: list[Finding]) -> Info:
    text: dict[str, str] = {}
    categories: list[Category] = []
    response_types: list[ResponseType] = []
    event_codes: list[NamedValue] = []
    parameters: list[NamedValue] = []
    resources: list[Resource] = []
    areas: list[Area] = []
    for child in element:
        name = _LOCAL.get(child.tag)
        if name is None:
            continue
        if name not in _INFO_LISTS:
            text[name] = child.text or "" if not len(child) else _joined(child)
        elif name == "parameter":
            parameters.append(_named(child))
        elif name == "area":
            areas.append(_area(child, (*at, ("area", len(areas))), found))
        elif name == "category":
            categories.append(_CATEGORY[_text(child)])
        elif name == "responseType":
            response_types.append(_RESPONSE_TYPE[_text(child)])
        elif name == "eventCode":
            event_codes.append(_named(child))
        else:
            resources.append(_resource(child))
    return Info(
        categories=tuple(categories),
        event=text["event"],
        urgency=_URGENCY[text["urgency"]],
        severity=_SEVERITY[text["severity"]],
        certainty=_CERTAINTY[text["certainty"]],
        language=text.get("language", "en-US").strip(),
        response_types=tuple(response_types),
        audience=text.get("audience") or None,
        event_codes=tuple(event_codes),
        effective=_time(found, at, "effective", text.get("effective")),
        onset=_time(found, at, "onset", text.get("onset")),
        expires=_time(found, at, "expires", text.get("expires")),
        sender_name=text.get("senderName") or None,
        headline=text.get("headline") or None,
        description=text.get("description") or None,
        instruction=text.get("instruction") or None,
        web=text.get("web", "").strip() or None,
        contact=text.get("contact") or None,
        parameters=tuple(parameters),
        resources=tuple(resources),
        areas=tuple(areas),
    )


def _resource(element: etree._Element) -> Resource:
    fields = _fields(element)
    size = fields.get("size")
    return Resource(
        resource_desc=fields["resourceDesc"],
        mime_type=fields["mimeType"],
        size=int(size) if size else None,
        uri=fields.get("uri", "").strip() or None,
        deref_uri=fields.get("derefUri") or None,
        digest=fields.get("digest") or None,
    )


def _area(element: etree._Element, at: Path, found: list[Finding]) -> Area:
    area_desc = ""
    polygons: list[Polygon] = []
    circles: list[Circle] = []
    geocodes: list[NamedValue] = []
    numbers: dict[str, float] = {}
    n_polygons = n_circles = 0
    for child in element:
        name = _LOCAL.get(child.tag)
        if name == "polygon":
            path: Path = (*at, ("polygon", n_polygons))
            _read(found, path, parse_polygon, _text(child), polygons)
            n_polygons += 1
        elif name == "circle":
            _read(found, (*at, ("circle", n_circles)), parse_circle, _text(child), circles)
            n_circles += 1
        elif name == "geocode":
            geocodes.append(_named(child))
        elif name == "areaDesc":
            area_desc = _text(child)
        elif name is not None:  # altitude, ceiling: xs:decimal, already checked by the XSD
            numbers[name] = float(_text(child))
    return Area(
        area_desc=area_desc,
        polygons=tuple(polygons),
        circles=tuple(circles),
        geocodes=tuple(geocodes),
        altitude=numbers.get("altitude"),
        ceiling=numbers.get("ceiling"),
    )

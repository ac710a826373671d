"""The CAP 1.2 rules the XSD cannot express, checked on the model.

The same rules run after XML parsing and on the JSON mirror, so a message is refused for the
same reasons however it arrives. Each finding names the element by its CAP path
(see :mod:`tanbih.cap.paths`); :func:`validate` renders it XML-style.
"""

from __future__ import annotations

import math
import re
from datetime import datetime, timedelta

from tanbih.cap.geometry import ring_problem
from tanbih.cap.paths import Finding, Path, xml_problems
from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    Point,
    Polygon,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.errors import Problem

# CAP 1.2 §3.2.1: identifier and sender "MUST NOT include spaces, commas or restricted
# characters (< and &)" — they are joined with commas and spaces in <references>.
_FORBIDDEN_IN_KEY = re.compile(r"[\s,<&]")
# RFC 3066 language tag, as xs:language spells it.
_LANGUAGE = re.compile(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*")
_MAX_OFFSET = timedelta(hours=14)
_NEEDS_REFERENCES = frozenset({MsgType.UPDATE, MsgType.CANCEL, MsgType.ACK, MsgType.ERROR})
_CODE_LISTS: dict[str, frozenset[str]] = {
    "status": frozenset(Status),
    "msgType": frozenset(MsgType),
    "scope": frozenset(Scope),
    "category": frozenset(Category),
    "responseType": frozenset(ResponseType),
    "urgency": frozenset(Urgency),
    "severity": frozenset(Severity),
    "certainty": frozenset(Certainty),
}


def validate(alert: Alert) -> list[Problem]:
    """Every problem the rules find in ``alert``, each naming its element; empty if none."""
    return xml_problems(check_alert(alert))


def code_list_message(element: str, value: str) -> str:
    """Why ``value`` is not in ``element``'s CAP 1.2 code list."""
    if element == "certainty" and value == "Very Likely":
        return "'Very Likely' is CAP 1.0 (deprecated in 1.1); CAP 1.2 says 'Likely'"
    allowed = ", ".join(sorted(_CODE_LISTS[element])) if element in _CODE_LISTS else ""
    return f"{value!r} is not a CAP 1.2 {element}" + (f"; use one of {allowed}" if allowed else "")


def check_alert(alert: Alert) -> list[Finding]:
    """The findings for the whole message, as (element path, message) pairs."""
    found: list[Finding] = []
    _check_key(found, (), "identifier", None, alert.identifier)
    _check_key(found, (), "sender", None, alert.sender)
    _check_time(found, (), "sent", None, alert.sent)
    _check_code(found, (), "status", None, alert.status)
    _check_code(found, (), "msgType", None, alert.msg_type)
    _check_code(found, (), "scope", None, alert.scope)
    _check_scope(found, alert)
    _check_references(found, alert)
    for i, info in enumerate(alert.infos):
        _check_info(found, (("info", i),), info)
    return found


# The checks below take the parent's path and build the element's only when they find
# something: most messages find nothing, and validation runs on every message received.


def _check_key(found: list[Finding], at: Path, name: str, index: int | None, value: str) -> None:
    if not value:
        found.append(((*at, (name, index)), f"{name} must not be empty"))
    elif bad := _FORBIDDEN_IN_KEY.search(value):
        found.append(
            (
                (*at, (name, index)),
                f"{name} {value!r} contains {bad.group()!r}: CAP 1.2 forbids spaces, commas, "
                "'<' and '&' in it",
            )
        )


def _check_time(
    found: list[Finding], at: Path, name: str, index: int | None, moment: datetime
) -> None:
    offset = moment.utcoffset()
    if offset is None:
        message = "time has no time-zone offset; CAP times always carry one"
    elif offset.total_seconds() % 60:
        message = f"time-zone offset {offset} is not a whole number of minutes"
    elif abs(offset) > _MAX_OFFSET:
        message = "time-zone offset is beyond ±14:00, the range xs:dateTime allows"
    elif moment.microsecond:
        message = "CAP times are whole seconds; drop the fraction"
    else:
        return
    found.append(((*at, (name, index)), message))


def _check_code(found: list[Finding], at: Path, name: str, index: int | None, value: str) -> None:
    if value not in _CODE_LISTS[name]:
        found.append(((*at, (name, index)), code_list_message(name, value)))


def _check_scope(found: list[Finding], alert: Alert) -> None:
    restriction: Path = (("restriction", None),)
    if alert.scope == Scope.RESTRICTED and not alert.restriction:
        found.append((restriction, "scope Restricted needs a restriction saying who may see it"))
    elif alert.scope != Scope.RESTRICTED and alert.restriction:
        found.append(
            (restriction, f"restriction is used only with scope Restricted, not {alert.scope}")
        )
    if alert.scope == Scope.PRIVATE and not alert.addresses:
        found.append(
            ((("addresses", None),), "scope Private needs the addresses of its recipients")
        )


def _check_references(found: list[Finding], alert: Alert) -> None:
    if alert.msg_type in _NEEDS_REFERENCES and not alert.references:
        found.append(
            (
                (("references", None),),
                f"msgType {alert.msg_type} needs references to the earlier message(s), "
                "each 'sender,identifier,sent'",
            )
        )
    for k, reference in enumerate(alert.references):
        # One <references> element holds every entry; the entry index names which one.
        _check_key(found, (), "references", k, reference.sender)
        _check_key(found, (), "references", k, reference.identifier)
        _check_time(found, (), "references", k, reference.sent)


def _check_info(found: list[Finding], at: Path, info: Info) -> None:
    if not _LANGUAGE.fullmatch(info.language):
        found.append(
            ((*at, ("language", None)), f"{info.language!r} is not an RFC 3066 language tag")
        )
    if not info.categories:
        found.append(((*at, ("category", None)), "at least one category is required"))
    if not _CODE_LISTS["category"].issuperset(info.categories):
        for k, category in enumerate(info.categories):
            _check_code(found, at, "category", k, category)
    if not _CODE_LISTS["responseType"].issuperset(info.response_types):
        for k, response_type in enumerate(info.response_types):
            _check_code(found, at, "responseType", k, response_type)
    _check_code(found, at, "urgency", None, info.urgency)
    _check_code(found, at, "severity", None, info.severity)
    _check_code(found, at, "certainty", None, info.certainty)
    if info.effective is not None:
        _check_time(found, at, "effective", None, info.effective)
    if info.onset is not None:
        _check_time(found, at, "onset", None, info.onset)
    if info.expires is not None:
        _check_time(found, at, "expires", None, info.expires)
        _check_expiry(found, at, info)
    for k, resource in enumerate(info.resources):
        if resource.size is not None and resource.size < 0:
            found.append(((*at, ("resource", k), ("size", None)), "size must not be negative"))
    for k, area in enumerate(info.areas):
        _check_area(found, (*at, ("area", k)), area)


def _check_expiry(found: list[Finding], at: Path, info: Info) -> None:
    expires = info.expires
    if expires is None or expires.utcoffset() is None:
        return  # no expiry, or one already refused as naive: nothing to compare
    for name, moment in (("effective", info.effective), ("onset", info.onset)):
        if moment is not None and moment.utcoffset() is not None and expires < moment:
            found.append(((*at, ("expires", None)), f"expires is before {name}"))


def _check_area(found: list[Finding], at: Path, area: Area) -> None:
    for k, polygon in enumerate(area.polygons):
        _check_polygon(found, (*at, ("polygon", k)), polygon)
    for k, circle in enumerate(area.circles):
        path = (*at, ("circle", k))
        if not _in_range(circle.center):
            found.append((path, _out_of_range(circle.center)))
        if not (math.isfinite(circle.radius_km) and circle.radius_km >= 0):
            found.append((path, f"radius {circle.radius_km} km must be a number ≥ 0"))
    if area.altitude is not None and not math.isfinite(area.altitude):
        found.append(((*at, ("altitude", None)), f"altitude {area.altitude} is not a number"))
    if area.ceiling is None:
        return
    if area.altitude is None:
        found.append(((*at, ("ceiling", None)), "ceiling is used only together with altitude"))
    elif not math.isfinite(area.ceiling):
        found.append(((*at, ("ceiling", None)), f"ceiling {area.ceiling} is not a number"))


def _check_polygon(found: list[Finding], path: Path, polygon: Polygon) -> None:
    points = polygon.points
    if len(points) < 4:
        found.append(
            (
                path,
                f"polygon has {len(points)} points; a ring needs at least 4, the first "
                "repeated last",
            )
        )
        return
    # Inline rather than _in_range per point: rings can have tens of thousands of points.
    bad = next((p for p in points if not (-90 <= p.lat <= 90 and -180 <= p.lon <= 180)), None)
    if bad is not None:
        found.append((path, _out_of_range(bad)))
        return
    if points[0] != points[-1]:
        found.append((path, "polygon is not closed: the last point must repeat the first"))
    elif problem := ring_problem(points):
        found.append((path, problem))


def _in_range(point: Point) -> bool:
    return -90 <= point.lat <= 90 and -180 <= point.lon <= 180


def _out_of_range(point: Point) -> str:
    return (
        f"point {point.lat},{point.lon} is out of range (lat -90..90, lon -180..180, in that order)"
    )

"""CAP 1.2's little languages inside element text: times, polygons, circles, references.

Read and written the same way for XML and for the JSON mirror, so both speak exactly CAP.
Readers raise ``ValueError`` with a message fit to show the sender; writers assume a value the
rules accept (see :mod:`tanbih.cap.rules`).
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from decimal import Decimal

from tanbih.domain.cap import Circle, Point, Polygon, Reference

# CAP 1.2 §3.3.2: a time always carries its offset, never "Z", never fractions of a second.
CAP_TIME_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[-+][0-9]{2}:[0-9]{2}$"
_TIME = re.compile(CAP_TIME_PATTERN)
TIME_FORMAT = "write YYYY-MM-DDThh:mm:ss±hh:mm (with an offset, no 'Z', no fractions of a second)"
# Decimal degrees only: float() alone would also take "nan", "1e5", "1_0" and non-ASCII digits.
_GEOMETRY_TEXT = re.compile(r"[0-9.,+\-\s]*")
# Characters XML 1.0 cannot carry at all, escaped or not.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def unwritable(text: str) -> str | None:
    """Why ``text`` cannot be written into XML (a control character...), or ``None``."""
    if bad := _NOT_XML.search(text):
        return f"text holds U+{ord(bad.group()):04X}, which XML 1.0 cannot carry"
    return None


def parse_time(text: str) -> datetime:
    """A CAP time such as ``2003-06-17T14:57:00-07:00``."""
    if not _TIME.fullmatch(text):
        raise ValueError(f"{text!r} is not a CAP time: {TIME_FORMAT}")
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a real date and time") from None


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss±hh:mm``, keeping the offset held; UTC as ``+00:00``.

    Fractions of a second are dropped (CAP has none); a naive time raises ``ValueError``.
    """
    offset = moment.utcoffset()
    if offset is None:
        raise ValueError(f"{moment.isoformat()} has no time-zone offset")
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, minutes = divmod(abs(minutes), 60)
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{sign}{hours:02d}:{minutes:02d}"
    )


def format_number(value: float) -> str:
    """A decimal without exponent (``xs:decimal``), reading back to exactly ``value``."""
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be written as a decimal")
    text = repr(value)
    if "e" in text:
        text = format(Decimal(text), "f")
    return text


def _point(pair: str) -> Point:
    lat, comma, lon = pair.partition(",")
    try:
        if not comma:
            raise ValueError
        return Point(float(lat), float(lon))
    except ValueError:
        raise ValueError(f"{pair!r} is not a 'lat,lon' pair of decimal degrees") from None


def parse_polygon(text: str) -> Polygon:
    """``lat,lon lat,lon ...``: whitespace-separated WGS 84 pairs in decimal degrees."""
    if not _GEOMETRY_TEXT.fullmatch(text):
        raise ValueError("a polygon is whitespace-separated 'lat,lon' pairs of decimal degrees")
    pairs = text.split()
    try:  # the fast way first: polygons have up to tens of thousands of points
        points = [Point(float(lat), float(lon)) for lat, lon in (p.split(",") for p in pairs)]
    except ValueError:
        points = [_point(pair) for pair in pairs]  # raises, naming the first bad pair
    return Polygon(tuple(points))


def format_polygon(polygon: Polygon) -> str:
    """The polygon as CAP writes it."""
    return " ".join(f"{format_number(p.lat)},{format_number(p.lon)}" for p in polygon.points)


def parse_circle(text: str) -> Circle:
    """``lat,lon radius``: a centre and a radius in kilometres."""
    parts = text.split()
    if len(parts) != 2 or not _GEOMETRY_TEXT.fullmatch(text):
        raise ValueError(f"{text!r} is not a CAP circle: write 'lat,lon radius' (radius in km)")
    center = _point(parts[0])
    try:
        radius = float(parts[1])
    except ValueError:
        raise ValueError(f"radius {parts[1]!r} is not a number of kilometres") from None
    return Circle(center, radius)


def format_circle(circle: Circle) -> str:
    """The circle as CAP writes it."""
    center = circle.center
    return (
        f"{format_number(center.lat)},{format_number(center.lon)} {format_number(circle.radius_km)}"
    )


def parse_reference(entry: str) -> Reference:
    """One ``sender,identifier,sent`` entry of ``references``."""
    parts = entry.split(",")
    if len(parts) != 3 or not parts[0] or not parts[1]:
        raise ValueError(f"reference {entry!r} is not 'sender,identifier,sent'")
    try:
        sent = parse_time(parts[2])
    except ValueError as exc:
        raise ValueError(f"reference {entry!r}: {exc}") from None
    return Reference(parts[0], parts[1], sent)


def format_reference(reference: Reference) -> str:
    """The reference as one ``references`` entry."""
    return f"{reference.sender},{reference.identifier},{format_time(reference.sent)}"

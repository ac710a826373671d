"""Hypothesis strategies for valid CAP 1.2 alerts, and a plain valid alert for table tests."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone

from hypothesis import strategies as st

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Circle,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    Reference,
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)

NEEDS_REFERENCES = {MsgType.UPDATE, MsgType.CANCEL, MsgType.ACK, MsgType.ERROR}

# Text XML can carry: no control characters but tab, LF and CR; no surrogates or non-characters.
_TEXT_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"), include_characters="\t\n\r&<>]\"'"
)
text = st.text(_TEXT_CHARS, max_size=30)
optional_text = st.none() | st.text(_TEXT_CHARS, min_size=1, max_size=30)
# identifier and sender: no white space, commas, '<' or '&' (CAP 1.2 §3.2.1).
key_text = st.text(
    st.characters(
        codec="utf-8",
        exclude_categories=("Cc", "Cs", "Cn", "Zs", "Zl", "Zp"),
        exclude_characters=",<&",
    ),
    min_size=1,
    max_size=20,
)
uri = st.from_regex(r"https://example\.org/[a-z0-9/]{0,12}", fullmatch=True)
language = st.from_regex(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8}){0,2}", fullmatch=True)
offsets = st.integers(-14 * 60, 14 * 60).map(lambda m: timezone(timedelta(minutes=m)))
cap_time = st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1), timezones=offsets
).map(lambda moment: moment.replace(microsecond=0))
named = st.builds(NamedValue, text, text)
finite = st.floats(allow_nan=False, allow_infinity=False)


@st.composite
def polygons(draw: st.DrawFn) -> Polygon:
    """A star-shaped ring around a centre: corners sorted by angle, so it never crosses itself."""
    n = draw(st.integers(3, 16))
    lat0 = draw(st.floats(-80, 80))
    lon0 = draw(st.floats(-170, 170))
    points = []
    for k in range(n):
        angle = 2 * math.pi * (k + draw(st.floats(-0.25, 0.25))) / n
        radius = draw(st.floats(0.01, 5))
        points.append(Point(lat0 + radius * math.sin(angle), lon0 + radius * math.cos(angle)))
    return Polygon((*points, points[0]))


circles = st.builds(
    Circle,
    st.builds(Point, st.floats(-90, 90), st.floats(-180, 180)),
    st.floats(0, 20_000),
)


@st.composite
def areas(draw: st.DrawFn) -> Area:
    """An area with valid geometry; a ceiling only above a given altitude."""
    altitude = draw(st.none() | finite)
    return Area(
        area_desc=draw(text),
        polygons=tuple(draw(st.lists(polygons(), max_size=2))),
        circles=tuple(draw(st.lists(circles, max_size=2))),
        geocodes=tuple(draw(st.lists(named, max_size=2))),
        altitude=altitude,
        ceiling=None if altitude is None else draw(st.none() | finite),
    )


resources = st.builds(
    Resource,
    resource_desc=text,
    mime_type=text,
    size=st.none() | st.integers(0, 10**12),
    uri=st.none() | uri,
    deref_uri=optional_text,
    digest=optional_text,
)


@st.composite
def infos(draw: st.DrawFn) -> Info:
    """An info block whose expiry is not before its effective time or onset."""
    effective = draw(st.none() | cap_time)
    onset = draw(st.none() | cap_time)
    expires = draw(st.none() | cap_time)
    if expires is not None:
        expires = max([t for t in (effective, onset, expires) if t is not None])
    return Info(
        categories=tuple(draw(st.lists(st.sampled_from(Category), min_size=1, max_size=3))),
        event=draw(text),
        urgency=draw(st.sampled_from(Urgency)),
        severity=draw(st.sampled_from(Severity)),
        certainty=draw(st.sampled_from(Certainty)),
        language=draw(language),
        response_types=tuple(draw(st.lists(st.sampled_from(ResponseType), max_size=3))),
        audience=draw(optional_text),
        event_codes=tuple(draw(st.lists(named, max_size=2))),
        effective=effective,
        onset=onset,
        expires=expires,
        sender_name=draw(optional_text),
        headline=draw(optional_text),
        description=draw(optional_text),
        instruction=draw(optional_text),
        web=draw(st.none() | uri),
        contact=draw(optional_text),
        parameters=tuple(draw(st.lists(named, max_size=3))),
        resources=tuple(draw(st.lists(resources, max_size=2))),
        areas=tuple(draw(st.lists(areas(), max_size=3))),
    )


@st.composite
def alerts(draw: st.DrawFn) -> Alert:
    """Any alert the rules accept: scope, restriction, addresses and references consistent."""
    msg_type = draw(st.sampled_from(MsgType))
    scope = draw(st.sampled_from(Scope))
    references = draw(
        st.lists(
            st.builds(Reference, key_text, key_text, cap_time),
            min_size=1 if msg_type in NEEDS_REFERENCES else 0,
            max_size=3,
        )
    )
    addresses = draw(st.text(_TEXT_CHARS, min_size=1) if scope == Scope.PRIVATE else optional_text)
    return Alert(
        identifier=draw(key_text),
        sender=draw(key_text),
        sent=draw(cap_time),
        status=draw(st.sampled_from(Status)),
        msg_type=msg_type,
        scope=scope,
        source=draw(optional_text),
        restriction=draw(st.text(_TEXT_CHARS, min_size=1)) if scope == Scope.RESTRICTED else None,
        addresses=addresses,
        codes=tuple(draw(st.lists(text, max_size=3))),
        note=draw(optional_text),
        references=tuple(references),
        incidents=draw(optional_text),
        infos=tuple(draw(st.lists(infos(), max_size=3))),
    )


def plain_alert() -> Alert:
    """One valid, fully ordinary alert for the table tests to spoil one thing at a time."""
    sent = datetime(2026, 3, 1, 14, 5, tzinfo=timezone(timedelta(hours=2)))
    ring = (Point(32.1, 34.8), Point(32.2, 34.9), Point(32.0, 34.95), Point(32.1, 34.8))
    return Alert(
        identifier="TANBIH-1",
        sender="hub@tanbih.example",
        sent=sent,
        status=Status.EXERCISE,
        msg_type=MsgType.ALERT,
        scope=Scope.PUBLIC,
        infos=(
            Info(
                categories=(Category.SECURITY,),
                event="Drone",
                urgency=Urgency.IMMEDIATE,
                severity=Severity.SEVERE,
                certainty=Certainty.OBSERVED,
                language="en",
                response_types=(ResponseType.SHELTER,),
                onset=sent + timedelta(seconds=90),
                expires=sent + timedelta(minutes=10),
                areas=(
                    Area(
                        "Zone A",
                        polygons=(Polygon(ring),),
                        circles=(Circle(Point(32.08, 34.78), 5.0),),
                    ),
                ),
            ),
        ),
    )

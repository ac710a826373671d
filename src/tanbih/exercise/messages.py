"""The CAP messages a scenario posts as they are: its own warnings and cancels, and the
recorded alert log it replays. All of them ``status=Exercise``, every text opened by EXERCISE.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Point,
    Polygon,
    Reference,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import Partner, Zone

_RESPONSES = {
    "prepare": ResponseType.PREPARE,
    "shelter": ResponseType.SHELTER,
    "all_clear": ResponseType.ALL_CLEAR,
}
_TYPES = {"alert": MsgType.ALERT, "update": MsgType.UPDATE, "cancel": MsgType.CANCEL}
_MARK = {"en": "EXERCISE", "he": "תרגיל · EXERCISE", "ar": "تمرين · EXERCISE"}
VALIDITY = timedelta(minutes=30)


def exercise_alert(
    partner: Partner,
    identifier: str,
    sent: datetime,
    *,
    msg_type: str,
    response: str,
    zones: list[Zone],
    references: tuple[Reference, ...],
    headline: str,
    extra_areas: tuple[str, ...] = (),
) -> Alert:
    """A message of ``partner`` warning ``zones`` (none for a Cancel), marked as an exercise."""
    kind = _TYPES[msg_type]
    infos: tuple[Info, ...] = ()
    if kind is not MsgType.CANCEL:
        answer = _RESPONSES[response]
        infos = tuple(
            _info(partner, language, sent, answer, zones, headline, extra_areas)
            for language in _languages(partner)
        )
    return Alert(
        identifier=identifier,
        sender=partner.senders[0],
        sent=sent.replace(microsecond=0),
        status=Status.EXERCISE,
        msg_type=kind,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        note="EXERCISE EXERCISE EXERCISE: tanbih exercise traffic",
        references=references,
        infos=infos,
    )


def _info(
    partner: Partner,
    language: str,
    sent: datetime,
    response: ResponseType,
    zones: list[Zone],
    headline: str,
    extra_areas: tuple[str, ...],
) -> Info:
    clear = response is ResponseType.ALL_CLEAR
    shelter = response is ResponseType.SHELTER
    mark = _MARK.get(language.split("-", maxsplit=1)[0], "EXERCISE")
    return Info(
        categories=(Category.SECURITY,),
        event="Hostile air threat",
        urgency=Urgency.PAST if clear else Urgency.IMMEDIATE if shelter else Urgency.EXPECTED,
        severity=Severity.MINOR if clear else Severity.EXTREME if shelter else Severity.SEVERE,
        certainty=Certainty.OBSERVED,
        language=language,
        response_types=(response,),
        expires=sent.replace(microsecond=0) + VALIDITY,
        sender_name=partner.name,
        headline=f"{mark}: {headline}",
        areas=tuple(_area(zone, language) for zone in zones)
        + tuple(Area(area_desc=name) for name in extra_areas),
    )


def _languages(partner: Partner) -> Iterator[str]:
    wanted = [lang for lang in partner.languages if lang.split("-")[0] in {"en", "he", "ar"}]
    yield from wanted or ["en"]


def _area(zone: Zone, language: str) -> Area:
    ring = tuple(Point(lat, lon) for lat, lon in zone.rings[0])
    return Area(
        area_desc=zone.name(language),
        polygons=(Polygon(ring),),
        geocodes=(NamedValue("tanbih:zone", zone.id),),
    )


def zones_by_name(zones: Mapping[str, Zone], language: str) -> dict[str, Zone]:
    """The zones by their name in ``language`` (how a recorded log names them)."""
    return {zone.names[language]: zone for zone in zones.values() if language in zone.names}

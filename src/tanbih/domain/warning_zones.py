"""What each zone puts in the warning messages that name it: its area in each language (name,
outer ring as the polygon, geocode ``tanbih:zone``), and its parameters ``tanbih:eta:<zone id>``
(whole seconds, never late) and ``tanbih:shelter_seconds:<zone id>``.

A threat's whole picture is reissued at each change, so a zone is named in many messages:
what does not change is built once per zone (:func:`zone_message_parts`), and ETAs are written
out once per second (:func:`eta_text`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tanbih.domain.cap import Area, NamedValue, Point, Polygon
from tanbih.domain.coalition import Zone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_SECOND = timedelta(seconds=1)


def zone_parts(
    zones: list[Zone], eta_at: Mapping[str, datetime] | None, languages: tuple[str, ...]
) -> tuple[list[NamedValue], dict[str, tuple[Area, ...]]]:
    """Each zone's ETA and time to shelter (none if ``eta_at`` is ``None``: an all clear), and
    its area in each language.

    One pass and one lookup per zone for all it puts in the message: this loop runs for every
    zone warned, at every message of the threat.
    """
    parameters: list[NamedValue] = []
    rows = []
    caps, texts = _ZONE_CAPS, _ETA_TEXTS
    for zone in zones:
        cap = caps.get(zone.id)
        if cap is None or cap.zone is not zone:
            cap = _zone_cap(zone)
        if eta_at is not None:
            eta = eta_at[zone.id]
            # Truncated to whole seconds: an ETA is never announced late. Hundreds of zones
            # share the next minutes' seconds: each second is written out once, in UTC.
            second = (eta - _EPOCH) // _ONE_SECOND
            text = texts.get(second) if eta.tzinfo is UTC else None
            if text is None:
                text = eta.isoformat(timespec="seconds")
                if eta.tzinfo is UTC:
                    if len(texts) >= _ETA_TEXTS_KEPT:
                        texts.clear()
                    texts[second] = text
            parameters += (NamedValue(cap.eta_name, text), cap.shelter_seconds)
        row = cap.areas.get(languages)
        if row is None:
            row = cap.areas[languages] = tuple(_area(zone, language) for language in languages)
        rows.append(row)
    if not rows:
        return parameters, dict.fromkeys(languages, ())
    return parameters, dict(zip(languages, zip(*rows, strict=True), strict=True))


def zone_message_parts(
    zone: Zone, languages: tuple[str, ...]
) -> tuple[str, NamedValue, tuple[Area, ...]]:
    """What ``zone`` puts in every message naming it: its ETA parameter's name, its time to
    shelter parameter, and its area in each of ``languages`` (built once per zone)."""
    cap = _zone_cap(zone)
    row = cap.areas.get(languages)
    if row is None:
        row = cap.areas[languages] = tuple(_area(zone, language) for language in languages)
    return cap.eta_name, cap.shelter_seconds, row


def eta_text(second: int) -> str:
    """The ETA parameter's value for a whole UTC second since the epoch, as
    :func:`issue_warning` writes an ETA in UTC."""
    text = _ETA_TEXTS.get(second)
    if text is None:
        if len(_ETA_TEXTS) >= _ETA_TEXTS_KEPT:
            _ETA_TEXTS.clear()
        moment = _EPOCH + timedelta(seconds=second)
        text = _ETA_TEXTS[second] = moment.isoformat(timespec="seconds")
    return text


@dataclass(slots=True)
class _ZoneCap:
    """What a zone puts in every message, whatever the threat: built once per zone.

    A threat's whole picture is reissued at each change, so a zone is named in many messages;
    its polygon (shared by every language) and names are built the first time only.
    """

    zone: Zone
    eta_name: str
    shelter_seconds: NamedValue
    polygon: Polygon
    geocode: NamedValue
    areas: dict[tuple[str, ...], tuple[Area, ...]]

    @classmethod
    def of(cls, zone: Zone) -> _ZoneCap:
        points = [Point(lat, lon) for lat, lon in zone.rings[0]]
        if points[0] != points[-1]:
            points.append(points[0])  # CAP polygons are closed; a zone ring may come open
        return cls(
            zone,
            f"tanbih:eta:{zone.id}",
            NamedValue(f"tanbih:shelter_seconds:{zone.id}", str(zone.shelter_seconds)),
            Polygon(tuple(points)),
            NamedValue("tanbih:zone", zone.id),
            {},
        )


def _zone_cap(zone: Zone) -> _ZoneCap:
    known = _ZONE_CAPS.get(zone.id)
    if known is not None and known.zone is zone:
        return known
    if known is None or known.zone != zone:
        # New, or redrawn under the same id (equality is checked only when identity fails).
        if len(_ZONE_CAPS) >= _ZONES_KEPT:
            _ZONE_CAPS.clear()
        known = _ZONE_CAPS[zone.id] = _ZoneCap.of(zone)
    known.zone = zone
    return known


def _area(zone: Zone, language: str) -> Area:
    cap = _zone_cap(zone)
    return Area(area_desc=zone.name(language), polygons=(cap.polygon,), geocodes=(cap.geocode,))


_ZONE_CAPS: dict[str, _ZoneCap] = {}
# ETAs written out, by whole seconds since the epoch (UTC): a day's worth before starting afresh.
_ETA_TEXTS: dict[int, str] = {}
_ETA_TEXTS_KEPT = 86_400
# Zones kept before starting afresh: several coalitions' worth.
_ZONES_KEPT = 20_000

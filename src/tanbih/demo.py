"""The demo: example Exercise messages played into a running node through its real API (the
exercise scenario it plays after them is ``tanbih.exercise.remote``'s).

Every message here has ``status=Exercise``: the demo must never look like a real warning.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from tanbih import cap
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
from tanbih.domain.coalition import Coalition, Partner, Role, Zone

TOKEN_PREFIX = "TANBIH_DEMO_TOKEN_"  # noqa: S105 -- a variable-name prefix, not a secret
_HEADLINES = {
    ResponseType.PREPARE: {
        "en": "EXERCISE: hostile UAV approaching, prepare to take shelter",
        "he": "תרגיל: כלי טיס עוין מתקרב, היערכו לכניסה למרחב מוגן",
        "ar": "تمرين: طائرة مسيرة معادية تقترب، استعدوا للاحتماء",
    },
    ResponseType.SHELTER: {
        "en": "EXERCISE: take shelter now",
        "he": "תרגיל: היכנסו למרחב המוגן עכשיו",
        "ar": "تمرين: احتموا الآن",
    },
    ResponseType.ALL_CLEAR: {
        "en": "EXERCISE: all clear, you may leave the shelter",
        "he": "תרגיל: ניתן לצאת מהמרחב המוגן",
        "ar": "تمرين: انتهى الخطر، يمكنكم مغادرة الملجأ",
    },
}


@dataclass(frozen=True, slots=True)
class DemoPost:
    """One message of the demo and the partner that posts it."""

    partner: Partner
    alert: Alert


def read_tokens(path: Path) -> dict[str, str]:
    """Demo tokens by partner id from ``TANBIH_DEMO_TOKEN_<ID>=token`` lines."""
    tokens: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        name, sep, value = line.strip().partition("=")
        if sep and name.startswith(TOKEN_PREFIX):
            tokens[name.removeprefix(TOKEN_PREFIX).lower().replace("_", "-")] = value.strip()
    return tokens


def demo_posts(coalition: Coalition, now: datetime) -> list[DemoPost]:
    """A UAV warning to three zones that escalates to shelter and ends in an all clear, a
    coordinator's early warning to a neighbour, and that neighbour's CAP Ack."""
    stamp = now.strftime("%Y%m%dT%H%M%S")
    posts: list[DemoPost] = []
    owner, zones = _zones_of_first_sheltering_partner(coalition)
    refs: list[Reference] = []
    for step, response in enumerate(
        (ResponseType.PREPARE, ResponseType.SHELTER, ResponseType.ALL_CLEAR)
    ):
        sent = now + timedelta(seconds=step)
        alert = _alert(owner, f"demo-{stamp}-uav-{step}", sent, response, zones, tuple(refs))
        posts.append(DemoPost(owner, alert))
        refs.append(alert.key)
    coordinator = next(p for p in coalition.partners if p.role is Role.COORDINATOR)
    neighbour = next(p for p in coalition.partners if p.role is Role.PARTNER and p is not owner)
    theirs = [z for z in coalition.zones if z.partner_id == neighbour.id][:1]
    warning = _alert(coordinator, f"demo-{stamp}-cm-0", now, ResponseType.PREPARE, theirs, ())
    posts.append(DemoPost(coordinator, warning))
    ack = Alert(
        identifier=f"demo-{stamp}-ack-0",
        sender=neighbour.senders[0],
        sent=now + timedelta(seconds=1),
        status=Status.EXERCISE,
        msg_type=MsgType.ACK,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        references=(warning.key,),
        note="EXERCISE: received by the duty officer",
    )
    posts.append(DemoPost(neighbour, ack))
    return posts


def _zones_of_first_sheltering_partner(coalition: Coalition) -> tuple[Partner, list[Zone]]:
    for partner in coalition.partners:
        zones = [z for z in coalition.zones if z.partner_id == partner.id and z.shelter_seconds]
        if len(zones) >= 3 and partner.role is Role.PARTNER:
            return partner, sorted(zones, key=lambda z: z.shelter_seconds)[:3]
    raise ValueError("the demo needs a partner with at least three zones that have shelter times")


def _alert(
    partner: Partner,
    identifier: str,
    sent: datetime,
    response: ResponseType,
    zones: list[Zone],
    references: tuple[Reference, ...],
) -> Alert:
    urgency = Urgency.IMMEDIATE if response is ResponseType.SHELTER else Urgency.EXPECTED
    infos = tuple(
        Info(
            categories=(Category.SECURITY,),
            event="Hostile UAV",
            urgency=Urgency.PAST if response is ResponseType.ALL_CLEAR else urgency,
            severity=Severity.MINOR if response is ResponseType.ALL_CLEAR else Severity.SEVERE,
            certainty=Certainty.OBSERVED,
            language=language,
            response_types=(response,),
            expires=sent + timedelta(minutes=30),
            sender_name=partner.name,
            headline=_HEADLINES[response].get(language, _HEADLINES[response]["en"]),
            parameters=(NamedValue("EXERCISE", "true"),),
            areas=tuple(_area(zone, language) for zone in zones),
        )
        for language in _languages(partner)
    )
    return Alert(
        identifier=identifier,
        sender=partner.senders[0],
        sent=sent,
        status=Status.EXERCISE,
        msg_type=MsgType.UPDATE if references else MsgType.ALERT,
        scope=Scope.RESTRICTED,
        restriction="coalition members only",
        note="EXERCISE EXERCISE EXERCISE: tanbih demo traffic",
        references=references,
        infos=infos,
    )


def _languages(partner: Partner) -> Iterator[str]:
    yield from (lang for lang in partner.languages if lang.split("-")[0] in {"en", "he", "ar"})


def _area(zone: Zone, language: str) -> Area:
    ring = tuple(Point(lat, lon) for lat, lon in zone.rings[0])
    return Area(
        area_desc=zone.name(language),
        polygons=(Polygon(ring),),
        geocodes=(NamedValue("tanbih:zone", zone.id),),
    )


async def play(base_url: str, posts: list[DemoPost], tokens: Mapping[str, str]) -> list[int]:
    """Post each message through the node's API in order; returns the HTTP statuses."""
    statuses: list[int] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=10) as client:
        for post in posts:
            response = await client.post(
                "/api/v1/alerts",
                content=cap.emit_xml(post.alert),
                headers={
                    "Content-Type": "application/cap+xml",
                    "Authorization": f"Bearer {tokens[post.partner.id]}",
                },
            )
            statuses.append(response.status_code)
    return statuses

"""A warning that carries a marker in every field redaction must strip, and what each level
forbids a recipient to find in what it receives.

Every marker is a distinctive ``QZ...`` token (uppercase letters no CAP code, hex digest or
warning text contains), so finding it in emitted bytes means it leaked.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tanbih.cap import alert_to_json, emit_xml
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
    Resource,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.redaction import EXERCISE_NOTE, RELAYED_PREFIX, Relay
from tanbih.domain.releasability import Level
from tanbih.domain.threat import ThreatClass
from tanbih.domain.wording import word

SENT = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
RELAY = Relay(sender="hub@coord.example.org", key=b"relay-key" * 4, name="Coordination Hub")
TOKEN_LETTERS = "GHJKLMNPRTUVWY"


@dataclass(frozen=True)
class Party:
    """A source partner as the property test sees it: its id, CAP sender and name, all marker."""

    id: str
    sender: str
    name: str


def party(token: str) -> Party:
    """The party whose secrets all derive from ``token`` (``QZ`` + letters)."""
    # Sender and name do not contain the id: each must be checked on its own.
    return Party(token, f"warn-{token.lower()}@senders.example", f"HQ {token[::-1]}")


@dataclass(frozen=True)
class Leaky:
    """A warning, whom it names, and the details no redacted copy may keep."""

    alert: Alert
    issuer: Party
    sources: tuple[Party, ...]
    details: tuple[str, ...]


def triangle(lat: float, lon: float) -> Polygon:
    """A small closed triangle with its corner at (lat, lon)."""
    return Polygon((Point(lat, lon), Point(lat, lon + 0.1), Point(lat + 0.1, lon), Point(lat, lon)))


def leaky_alert(
    issuer: Party,
    sources: Sequence[Party],
    zones: Sequence[str],
    *,
    marker: str = "QZSECRET",
    status: Status = Status.ACTUAL,
    msg_type: MsgType = MsgType.UPDATE,
    threat_class: str = "uav",
    languages: Sequence[str] = ("en", "ar"),
    response: ResponseType = ResponseType.SHELTER,
) -> Leaky:
    """An Update from ``issuer`` about a threat fused from ``sources``' reports, over ``zones``.

    Every field redaction must strip holds ``marker`` or a source's id, sender or name.
    """
    threat_id = f"{marker}THREAT"
    names = " and ".join(s.name for s in sources)
    ids = ",".join(s.id for s in sources)
    references = tuple(
        Reference(s.sender, f"{s.sender}:{threat_id}:{n}", SENT - timedelta(seconds=60 - n))
        for n, s in enumerate(sources, start=1)
    )
    onset = SENT + timedelta(seconds=90)
    infos = tuple(
        Info(
            categories=(Category.SECURITY,),
            event=f"Drone seen by {names}",
            urgency=Urgency.IMMEDIATE,
            severity=Severity.EXTREME,
            certainty=Certainty.OBSERVED,
            language=language,
            response_types=(response,),
            audience=f"{marker}AUDIENCE",
            event_codes=(
                NamedValue("tanbih:threat_class", threat_class),
                NamedValue("tanbih:source", ids),
                NamedValue(f"{marker}CODE", "x"),
            ),
            effective=SENT,
            onset=onset,
            expires=SENT + timedelta(minutes=30),
            sender_name=issuer.name,
            headline=f"{names} radar: track {marker}TRACK",
            description=f"Sensor {marker}SENSOR of {ids} at 31.5N 35.1E",
            instruction=f"Call {issuer.sender}",
            web=f"https://example.org/{marker.lower()}web",
            contact=f"{marker}CONTACT",
            parameters=(
                NamedValue("tanbih:threat", threat_id),
                NamedValue(f"tanbih:track:{sources[0].id}", f"{marker}TRACK"),
                NamedValue("tanbih:sensor", f"{marker}SENSOR"),
                NamedValue("tanbih:eta:unknown-zone", onset.isoformat()),
                *(
                    p
                    for zone in zones
                    for p in (
                        NamedValue(f"tanbih:eta:{zone}", onset.isoformat()),
                        NamedValue(f"tanbih:shelter_seconds:{zone}", "30"),
                    )
                ),
                NamedValue(f"tanbih:eta:{zones[0]}", f"seen by {ids}"),
            ),
            resources=(Resource(f"{marker}RADAR plot", "image/png", uri="https://example.org/r"),),
            areas=tuple(
                Area(
                    area_desc=f"Zone {zone}",
                    polygons=(triangle(31.0 + 0.2 * n, 35.0),),
                    geocodes=(NamedValue("tanbih:zone", zone),),
                )
                for n, zone in enumerate(zones)
            ),
        )
        for language in languages
    )
    alert = Alert(
        identifier=f"{issuer.sender}:{threat_id}:7",
        sender=issuer.sender,
        sent=SENT,
        status=status,
        msg_type=msg_type,
        scope=Scope.PRIVATE,
        source=f"{ids} {marker}SOURCE",
        addresses=" ".join(s.sender for s in sources),
        codes=(f"{marker}HANDLING",),
        note=f"fused from {ids}: {marker}NOTE",
        references=references,
        incidents=threat_id,
        infos=infos,
    )
    return Leaky(alert, issuer, tuple(sources), (marker, *(r.identifier for r in references)))


def forbidden_strings(leaky: Leaky, level: Level) -> set[str]:
    """The strings a recipient at ``level`` must not find in anything it receives.

    ``zones_only`` forbids every detail and every source's id and name but the issuer's
    ``senderName`` (the sender is kept); ``via_coordinator`` also forbids every source's
    sender and name, and the original identifiers.
    """
    if level is Level.FULL:
        return set()
    forbidden = {*leaky.details, *(s.id for s in leaky.sources)}
    forbidden |= {s.name for s in leaky.sources if s != leaky.issuer}
    forbidden.add(leaky.alert.identifier)
    if level is Level.VIA_COORDINATOR:
        forbidden |= {leaky.issuer.sender, leaky.issuer.name, leaky.issuer.id}
        forbidden |= {p for s in leaky.sources for p in (s.sender, s.name)}
    return forbidden


def everything_received(alert: Alert) -> str:
    """What every channel can show of ``alert``: CAP XML (webhooks), the JSON mirror (console
    and API reads), and the wording of each language (e-mail, SMS, voice, Apprise)."""
    texts = [emit_xml(alert).decode(), json.dumps(alert_to_json(alert), ensure_ascii=False)]
    for info in alert.infos:
        wording = word(alert, info.language)
        texts += [wording.subject, wording.headline, wording.body, wording.spoken]
    return "\n".join(texts)


def model_violations(copy: Alert, level: Level) -> list[str]:
    """The fields of a ``zones_only`` or ``via_coordinator`` copy holding what its level forbids.

    The model-level statement of what redaction keeps (see :mod:`tanbih.domain.redaction`).
    """
    found = []
    exercise_note = EXERCISE_NOTE if copy.status is Status.EXERCISE else None
    alert_fields = {
        "source": copy.source is None,
        "note": copy.note == exercise_note,
        "addresses": copy.addresses is None,
        "code": copy.codes == (),
        "incidents": copy.incidents is None,
        "scope": copy.scope is not Scope.PRIVATE,
        "identifier": copy.identifier.startswith(RELAYED_PREFIX),
        "references": all(r.identifier.startswith(RELAYED_PREFIX) for r in copy.references),
    }
    if level is Level.VIA_COORDINATOR:
        alert_fields["sender"] = copy.sender == RELAY.sender
        alert_fields["references.sender"] = all(r.sender == RELAY.sender for r in copy.references)
    found += [name for name, ok in alert_fields.items() if not ok]
    for n, info in enumerate(copy.infos):
        zones = {g.value for a in info.areas for g in a.geocodes if g.value_name == "tanbih:zone"}
        info_fields = {
            "audience": info.audience is None,
            "web": info.web is None,
            "contact": info.contact is None,
            "resource": info.resources == (),
            "eventCode": all(
                c.value_name == "tanbih:threat_class" and c.value in set(ThreatClass)
                for c in info.event_codes
            ),
            "parameter": all(_timing_of(p.value_name) in zones for p in info.parameters),
        }
        if level is Level.VIA_COORDINATOR:
            info_fields["senderName"] = info.sender_name == RELAY.name
        found += [f"info[{n}].{name}" for name, ok in info_fields.items() if not ok]
    return found


def _timing_of(name: str) -> str | None:
    """The zone a timing parameter is about, or ``None`` for any other parameter."""
    for prefix in ("tanbih:eta:", "tanbih:shelter_seconds:"):
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return None

"""Redaction: the CAP message one recipient may receive, at the level releasability gave it.

Redaction keeps what a level allows and rebuilds the rest, so nothing it does not know about
can slip through (an allow-list, not a deny-list). What each level keeps:

``full``
    The message unchanged.

``zones_only``
    The ``sender`` and its ``senderName`` (the recipient has direct relations with the issuer),
    ``sent``, ``status``, ``msgType``, ``scope`` (``Private`` becomes ``Restricted``: the address
    list names other recipients), ``restriction``; per info: ``category``, ``urgency``,
    ``severity``, ``certainty``, ``language``, ``responseType``, ``effective``, ``onset``,
    ``expires``, the ``tanbih:threat_class`` event code, every ``area`` whole, and the
    ``tanbih:eta:<zone>`` (an ISO 8601 time) and ``tanbih:shelter_seconds:<zone>`` (whole
    seconds) parameters of the zones its areas name in ``tanbih:zone`` geocodes. ``event``,
    ``headline``, ``description`` and ``instruction`` are rewritten from the threat class and
    the stage by :mod:`tanbih.domain.warning_text`: free text may name a sensor or a source.

    Removed: ``source``, ``note``, ``addresses``, ``code``, ``incidents``, the threat id
    (``tanbih:threat``) and every other parameter and event code, ``audience``, ``web``,
    ``contact``, ``resource``. The ``identifier`` and the identifiers in ``references`` are
    replaced by keyed digests (:func:`relayed_identifier`): issued identifiers embed the threat
    id, and a digest keeps resends and Update chains consistent for the recipient.

``via_coordinator``
    What ``zones_only`` keeps, issued by the coordinator: ``sender`` and every reference's
    sender become the coordinator's, ``senderName`` the coordinator's name, ``restriction`` the
    coordinator's. No sender, identifier or name of the source remains anywhere.

``none``
    No message (``None``).

Exercise messages keep ``status`` ``Exercise``, and their rebuilt texts and ``note`` open with
the exercise word, so no channel can present them as real.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime

from tanbih.domain.cap import (
    Alert,
    Info,
    MsgType,
    NamedValue,
    Reference,
    ResponseType,
    Scope,
    Status,
)
from tanbih.domain.lifecycle import Stage, reference_text
from tanbih.domain.releasability import Level
from tanbih.domain.routing import ZONE_GEOCODE as ZONE
from tanbih.domain.threat import ThreatClass
from tanbih.domain.warning_text import event_name, stage_words

KEPT_EVENT_CODES = frozenset({"tanbih:threat_class"})
"""Event codes a redacted message keeps."""

EXERCISE_NOTE = "EXERCISE EXERCISE EXERCISE"
RELAYED_PREFIX = "tanbih-relay-"
_STAGES = {
    ResponseType.PREPARE: Stage.EARLY_WARNING,
    ResponseType.SHELTER: Stage.TAKE_SHELTER,
    ResponseType.ALL_CLEAR: Stage.ALL_CLEAR,
}


@dataclass(frozen=True, slots=True)
class Relay:
    """Who issues relayed messages, and the secret that derives their identifiers.

    ``key`` must stay the same across restarts (a resend must carry the same identifier) and
    stay secret: unkeyed digests of guessable identifiers would name their source.
    """

    sender: str
    key: bytes
    name: str | None = None
    restriction: str = "coalition members only"


def relayed_identifier(relay: Relay, level: Level, original: Reference) -> str:
    """The identifier a message (or a reference to it) carries when redacted to ``level``."""
    message = f"{level}\n{original.sender}\n{original.identifier}".encode()
    digest = hmac.new(relay.key, message, hashlib.sha256).hexdigest()[:32]
    return RELAYED_PREFIX + digest


def redact(alert: Alert, level: Level, relay: Relay) -> Alert | None:
    """The message a recipient at ``level`` receives in place of ``alert`` (module docstring)."""
    if level is Level.FULL:
        return alert
    if level is Level.NONE:
        return None
    via = level is Level.VIA_COORDINATOR
    exercise = alert.status is Status.EXERCISE
    scope = Scope.RESTRICTED if alert.scope is Scope.PRIVATE else alert.scope
    restriction = alert.restriction
    if scope is Scope.RESTRICTED and (via or restriction is None):
        restriction = relay.restriction
    return Alert(
        identifier=relayed_identifier(relay, level, alert.key),
        sender=relay.sender if via else alert.sender,
        sent=alert.sent,
        status=alert.status,
        msg_type=alert.msg_type,
        scope=scope,
        restriction=restriction if scope is Scope.RESTRICTED else None,
        note=EXERCISE_NOTE if exercise else None,
        references=tuple(relayed_reference(relay, level, ref) for ref in alert.references),
        infos=tuple(
            _info(info, exercise, relay.name if via else info.sender_name) for info in alert.infos
        ),
    )


def relayed_ack(ack: Alert, originals: tuple[Reference, ...], relay: Relay) -> Alert:
    """The Ack the coordinator's node passes on to the source of messages it relayed, for a
    partner's ``ack`` of its copies: in the coordinator's name, referencing the source's own
    messages (``originals``), with nothing of the partner that acknowledged."""
    return Alert(
        identifier=relayed_identifier(relay, Level.VIA_COORDINATOR, ack.key),
        sender=relay.sender,
        sent=ack.sent,
        status=ack.status,
        msg_type=MsgType.ACK,
        scope=Scope.RESTRICTED,
        restriction=relay.restriction,
        note=EXERCISE_NOTE if ack.status is Status.EXERCISE else None,
        references=originals,
    )


def relayed_reference(relay: Relay, level: Level, ref: Reference) -> Reference:
    """A reference to an earlier message as a recipient at ``level`` (below ``full``) holds it.

    The recipient holds the earlier messages as they were redacted for it: this points at those.
    """
    sender = relay.sender if level is Level.VIA_COORDINATOR else ref.sender
    return Reference(sender, relayed_identifier(relay, level, ref), ref.sent)


def relayed_thread_id(relay: Relay, level: Level, thread_id: str) -> str:
    """An event's thread id (``sender,identifier,sent`` of the Alert that opened it) as a
    recipient at ``level`` (below ``full``) knows it: named after its copy of that Alert."""
    sender, identifier, sent = thread_id.split(",", 2)
    root = Reference(sender, identifier, datetime.fromisoformat(sent))
    return reference_text(relayed_reference(relay, level, root))


def _info(info: Info, exercise: bool, sender_name: str | None) -> Info:
    threat_class = _threat_class(info)
    event = event_name(threat_class, info.language)
    codes = tuple(code for code in info.event_codes if code.value_name in KEPT_EVENT_CODES)
    kept = Info(
        categories=info.categories,
        event=event,
        urgency=info.urgency,
        severity=info.severity,
        certainty=info.certainty,
        language=info.language,
        response_types=info.response_types,
        event_codes=tuple(NamedValue(code.value_name, threat_class.value) for code in codes[:1]),
        effective=info.effective,
        onset=info.onset,
        expires=info.expires,
        sender_name=sender_name,
        parameters=_timing(info),
        areas=info.areas,
    )
    stage = _stage(info)
    if stage is None:
        return kept
    words = stage_words(
        stage,
        info.language,
        event=event,
        count=len(info.areas),
        earliest=info.onset,
        exercise=exercise,
    )
    return replace(
        kept,
        headline=words.headline,
        description=words.description,
        instruction=words.instruction,
    )


def _threat_class(info: Info) -> ThreatClass:
    """The class the info's event code names; an unknown or missing one is ``unknown``."""
    for code in info.event_codes:
        if code.value_name in KEPT_EVENT_CODES:
            try:
                return ThreatClass(code.value)
            except ValueError:
                break
    return ThreatClass.UNKNOWN


def _stage(info: Info) -> Stage | None:
    """The staged warning of an info, the most advanced its response types give."""
    stages = [_STAGES[r] for r in info.response_types if r in _STAGES]
    return max(stages, default=None)


def _timing(info: Info) -> tuple[NamedValue, ...]:
    """The per-zone timing parameters of the zones the info's areas name, if well formed.

    A parameter's value could carry any text: only an ISO 8601 time or a whole number of
    seconds for a zone of the message gets through.
    """
    zones = {code.value for area in info.areas for code in area.geocodes if code.value_name == ZONE}
    kept = []
    for parameter in info.parameters:
        for prefix, well_formed in _TIMING:
            zone = parameter.value_name.removeprefix(prefix)
            if zone != parameter.value_name and zone in zones and well_formed(parameter.value):
                kept.append(parameter)
    return tuple(kept)


def _is_time(text: str) -> bool:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return False
    return moment.tzinfo is not None


def _is_seconds(text: str) -> bool:
    return text.isascii() and text.isdigit()


_TIMING = (("tanbih:eta:", _is_time), ("tanbih:shelter_seconds:", _is_seconds))

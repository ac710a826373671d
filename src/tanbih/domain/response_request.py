"""The request to respond as a CAP message: what the asked partner's people receive.

The request travels like a warning (the partner's routes, channels and escalation policy, its
timers in the store) but to the asked partner alone (``scope`` ``Private``, ``addresses`` its
id), and carries what a partner told ``zones_only`` may see (the threatened zones, their ETAs
and times to shelter, the threat's class) with when an answer is due and the node's id of the
threat, the handle the partner answers by. Never a track, sensor, source or free text. One
``<info>`` per language of the warning, ``responseType`` ``Execute`` (act on the agreed plan),
event code ``tanbih:respond`` = ``request``; exercise traffic says so in its first words, like
every text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Info,
    MsgType,
    NamedValue,
    ResponseType,
    Scope,
    Status,
    Urgency,
)

REQUEST_CODE = NamedValue("tanbih:respond", "request")
_KEPT_PARAMETERS = ("tanbih:threat", "tanbih:eta:", "tanbih:shelter_seconds:")

# (event, headline, instruction) per primary language; English for any other.
_WORDS: Mapping[str, tuple[str, str, str]] = MappingProxyType(
    {
        "en": (
            "Request to respond",
            "Request to respond: {event} threatening {count} zone(s)",
            "Accept or decline (with a reason) in the console before {due}.",
        ),
        "ar": (
            "طلب استجابة",
            "طلب استجابة: {event} يهدد {count} منطقة",
            "اقبل أو ارفض (مع ذكر السبب) في وحدة التحكم قبل {due}.",
        ),
        "he": (
            "בקשה להגיב",
            "בקשה להגיב: {event} מאיים על {count} אזורים",
            "אשרו או דחו (עם סיבה) במסוף עד {due}.",
        ),
    }
)
_EXERCISE = {"en": "EXERCISE", "ar": "تمرين", "he": "תרגיל"}


def request_identifier(sender: str, threat_id: str, number: int) -> str:
    """The identifier of the ``number``-th request to respond sent for a threat."""
    return f"{sender}:{threat_id}:respond:{number}"


def request_message(
    warning: Alert,
    *,
    threat_id: str,
    partner_id: str,
    number: int,
    due_at: datetime,
    now: datetime,
) -> Alert:
    """The ``number``-th request to respond to ``warning``'s threat, sent ``now`` to
    ``partner_id`` (a ``Private`` message addressed to it).

    Its zones and ETAs are the warning's; the answer is due at ``due_at``.
    """
    grouped: dict[str, tuple[Info, list[Area], list[NamedValue]]] = {}
    for info in warning.infos:
        _, areas, parameters = grouped.setdefault(info.language, (info, [], []))
        areas.extend(a for a in info.areas if a not in areas)
        parameters.extend(p for p in _kept(info) if p not in parameters)
    infos = tuple(
        _info(first, tuple(areas), tuple(parameters), warning.status, due_at)
        for first, areas, parameters in grouped.values()
    )
    return Alert(
        identifier=request_identifier(warning.sender, threat_id, number),
        sender=warning.sender,
        sent=now.replace(microsecond=0),
        status=warning.status,
        msg_type=MsgType.ALERT,
        scope=Scope.PRIVATE,
        addresses=partner_id,
        note=warning.note if warning.status is Status.EXERCISE else None,
        incidents=threat_id,
        infos=infos,
    )


def is_request(alert: Alert) -> bool:
    """Whether ``alert`` is a request to respond (not a warning)."""
    return any(REQUEST_CODE in info.event_codes for info in alert.infos)


def _info(
    warned: Info,
    areas: tuple[Area, ...],
    parameters: tuple[NamedValue, ...],
    status: Status,
    due_at: datetime,
) -> Info:
    language = warned.language.split("-", maxsplit=1)[0].lower()
    event, headline, instruction = _WORDS.get(language, _WORDS["en"])
    due = due_at.replace(microsecond=0).strftime("%H:%M:%S UTC")
    headline = headline.format(event=warned.event, count=len(areas))
    if status is Status.EXERCISE:
        headline = f"{_EXERCISE.get(language, _EXERCISE['en'])}: {headline}"
    return Info(
        categories=(Category.SECURITY,),
        event=event,
        urgency=Urgency.IMMEDIATE,
        severity=warned.severity,
        certainty=warned.certainty,
        language=warned.language,
        response_types=(ResponseType.EXECUTE,),
        event_codes=(
            REQUEST_CODE,
            *(c for c in warned.event_codes if c.value_name == "tanbih:threat_class"),
        ),
        onset=warned.onset,
        expires=warned.expires,
        sender_name=warned.sender_name,
        headline=headline,
        instruction=instruction.format(due=due),
        parameters=parameters,
        areas=areas,
    )


def _kept(info: Info) -> tuple[NamedValue, ...]:
    return tuple(p for p in info.parameters if p.value_name.startswith(_KEPT_PARAMETERS))

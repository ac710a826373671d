"""The words of a message for a person: subject, headline, body and spoken text, in one language.

:func:`word` picks the alert's ``<info>`` in the reader's language (by primary subtag), else
the English one, else the first, and says which it used: the text's language is the one a
voice must speak. Traffic that is not Actual is marked in the first words of every field, in
the English status word every channel checks for ("EXERCISE", "TEST", "SYSTEM", "DRAFT") and,
for Arabic and Hebrew readers, their own word first (تمرين · EXERCISE, תרגיל · EXERCISE), so
exercise traffic can never read as real. A marker the sender already wrote is replaced, not
repeated; the spoken text says it again at the end, for whoever missed the start of a call.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

from tanbih.domain.cap import Alert, Info, MsgType, Status
from tanbih.domain.notification import Wording

FALLBACK_LANGUAGE = "en"
MAX_AREA_NAMES = 12

# One word each: channels look for the English word among a text's first three words, and
# 'native · ENGLISH:' is exactly three.
_STATUS_WORDS: Mapping[Status, Mapping[str, str]] = MappingProxyType(
    {
        Status.EXERCISE: MappingProxyType({"en": "EXERCISE", "ar": "تمرين", "he": "תרגיל"}),
        Status.TEST: MappingProxyType({"en": "TEST", "ar": "اختبار", "he": "בדיקה"}),
        Status.SYSTEM: MappingProxyType({"en": "SYSTEM", "ar": "نظام", "he": "מערכת"}),
        Status.DRAFT: MappingProxyType({"en": "DRAFT", "ar": "مسودة", "he": "טיוטה"}),
    }
)

_MSG_TYPE_WORDS: Mapping[MsgType, Mapping[str, str]] = MappingProxyType(
    {
        MsgType.UPDATE: MappingProxyType({"en": "UPDATE", "ar": "تحديث", "he": "עדכון"}),
        MsgType.CANCEL: MappingProxyType({"en": "CANCELLED", "ar": "إلغاء", "he": "ביטול"}),
    }
)

_LABELS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "en": MappingProxyType(
            {"areas": "Areas", "expires": "Valid until", "cancelled": "The warning is cancelled"}
        ),
        "ar": MappingProxyType(
            {"areas": "المناطق", "expires": "ساري حتى", "cancelled": "تم إلغاء التحذير"}
        ),
        "he": MappingProxyType(
            {"areas": "אזורים", "expires": "בתוקף עד", "cancelled": "ההתרעה בוטלה"}
        ),
    }
)


def word(alert: Alert, language: str) -> Wording:
    """The alert in words for a reader of ``language``, marked if it is not Actual."""
    info = pick_info(alert, language)
    text_language = info.language if info is not None else _supported(language)
    words = _LABELS[_supported(text_language)]
    # The sender's own marker comes off first, so it is not repeated inside the subject or body.
    headline = _strip_markers(_headline(alert, info, words), alert.status)
    kind = _MSG_TYPE_WORDS.get(alert.msg_type, {}).get(_supported(text_language))
    subject = f"{kind}: {headline}" if kind else headline
    details = [info.description, info.instruction] if info is not None else [alert.note]
    body = [headline, *(part for part in details if part and part != headline)]
    if info is not None:
        body += _area_line(info, words) + _expiry_line(info, words)
    instruction = info.instruction if info is not None else None
    spoken = " ".join(_sentence(part) for part in (headline, instruction) if part)
    closing = marker(alert.status, text_language)
    # Said again at the end of a call: a listener may have missed its first words.
    spoken_end = f" {closing}." if closing is not None else ""
    return Wording(
        language=text_language,
        subject=mark(subject, alert.status, text_language),
        headline=mark(headline, alert.status, text_language),
        body=mark("\n\n".join(body), alert.status, text_language),
        spoken=mark(spoken, alert.status, text_language) + spoken_end,
    )


def pick_info(alert: Alert, language: str) -> Info | None:
    """The alert's info in ``language`` (primary subtag), else English, else the first."""
    for wanted in (_primary(language), FALLBACK_LANGUAGE):
        found = next((i for i in alert.infos if _primary(i.language) == wanted), None)
        if found is not None:
            return found
    return alert.infos[0] if alert.infos else None


def marker(status: Status, language: str) -> str | None:
    """The words that open every text of a message with ``status``; none for Actual."""
    words = _STATUS_WORDS.get(status)
    if words is None:
        return None
    english = words[FALLBACK_LANGUAGE]
    own = words.get(_primary(language))
    return f"{own} · {english}" if own and own != english else english


def mark(text: str, status: Status, language: str) -> str:
    """``text`` opened by the status marker, any marker it already began with replaced."""
    opening = marker(status, language)
    if opening is None:
        return text
    return f"{opening}: {_strip_markers(text, status)}"


def _strip_markers(text: str, status: Status) -> str:
    words = _STATUS_WORDS.get(status)
    if words is None:
        return text
    names = "|".join(re.escape(w) for w in words.values())
    leading = re.compile(rf"^(?:\s*(?:{names})\b[\s:·/|,.!\-–—]*)+", re.IGNORECASE)
    return leading.sub("", text, count=1)


def _headline(alert: Alert, info: Info | None, words: Mapping[str, str]) -> str:
    if info is None:
        if alert.msg_type is MsgType.CANCEL:
            return words["cancelled"]
        return alert.note or alert.identifier
    return info.headline or info.event


def _area_line(info: Info, words: Mapping[str, str]) -> list[str]:
    names = [area.area_desc for area in info.areas]
    if not names:
        return []
    shown = ", ".join(names[:MAX_AREA_NAMES])
    more = f" (+{len(names) - MAX_AREA_NAMES})" if len(names) > MAX_AREA_NAMES else ""
    return [f"{words['areas']}: {shown}{more}"]


def _expiry_line(info: Info, words: Mapping[str, str]) -> list[str]:
    if info.expires is None:
        return []
    return [f"{words['expires']}: {info.expires.isoformat(sep=' ', timespec='minutes')}"]


def _sentence(text: str) -> str:
    return text.rstrip(" .") + "."


def _supported(language: str) -> str:
    primary = _primary(language)
    return primary if primary in _LABELS else FALLBACK_LANGUAGE


def _primary(language: str) -> str:
    return language.split("-", maxsplit=1)[0].lower()

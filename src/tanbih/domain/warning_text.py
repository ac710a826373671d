"""The words of a warning in Arabic, Hebrew and English: event names, headlines, instructions.

Kept apart from the issuance rules so translators can review one file. Any other language gets
the English words (zone names still come in that language where the zone has them). Exercise
messages carry the exercise word first in every text, so no channel can show them as real.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from types import MappingProxyType

from tanbih.domain.lifecycle import Stage
from tanbih.domain.threat import ThreatClass

FALLBACK_LANGUAGE = "en"

EXERCISE_WORD = MappingProxyType({"en": "EXERCISE", "ar": "تمرين", "he": "תרגיל"})

EVENT_NAMES: MappingProxyType[ThreatClass, MappingProxyType[str, str]] = MappingProxyType(
    {
        ThreatClass.UAV: MappingProxyType(
            {"en": "Hostile UAV", "ar": "طائرة مسيّرة معادية", "he": "חדירת כלי טיס עוין"}
        ),
        ThreatClass.CRUISE_MISSILE: MappingProxyType(
            {"en": "Cruise missile", "ar": "صاروخ كروز", "he": "טיל שיוט"}
        ),
        ThreatClass.BALLISTIC_MISSILE: MappingProxyType(
            {"en": "Ballistic missile", "ar": "صاروخ باليستي", "he": "טיל בליסטי"}
        ),
        ThreatClass.ROCKET: MappingProxyType(
            {"en": "Rocket fire", "ar": "إطلاق صواريخ", "he": "ירי רקטות וטילים"}
        ),
        ThreatClass.AIRCRAFT: MappingProxyType(
            {"en": "Hostile aircraft", "ar": "طائرة معادية", "he": "מטוס עוין"}
        ),
        ThreatClass.UNKNOWN: MappingProxyType(
            {"en": "Unidentified air threat", "ar": "تهديد جوي مجهول", "he": "איום אווירי לא מזוהה"}
        ),
    }
)


@dataclass(frozen=True, slots=True)
class StageWords:
    """One stage's texts in one language, with ``{event}``, ``{count}`` and ``{time}`` to fill."""

    headline: str
    description: str
    instruction: str


_WORDS: MappingProxyType[Stage, MappingProxyType[str, StageWords]] = MappingProxyType(
    {
        Stage.EARLY_WARNING: MappingProxyType(
            {
                "en": StageWords(
                    "Early warning: {event} — prepare to take shelter",
                    "Zones threatened: {count}. Earliest predicted arrival: {time}.",
                    "Stay near a protected space and follow the authorities' instructions.",
                ),
                "ar": StageWords(
                    "إنذار مبكر: {event} — استعدوا للاحتماء",
                    "عدد المناطق المهددة: {count}. أقرب وقت وصول متوقع: {time}.",
                    "ابقوا بالقرب من مكان محمي واتبعوا تعليمات السلطات.",
                ),
                "he": StageWords(
                    "התרעה מוקדמת: {event} — היערכו לכניסה למרחב מוגן",
                    "מספר האזורים המאוימים: {count}. זמן ההגעה המשוער המוקדם ביותר: {time}.",
                    "הישארו בקרבת מרחב מוגן ופעלו לפי הנחיות הרשויות.",
                ),
            }
        ),
        Stage.TAKE_SHELTER: MappingProxyType(
            {
                "en": StageWords(
                    "{event}: take shelter now",
                    "Zones threatened: {count}. Earliest predicted arrival: {time}.",
                    "Enter a protected space now and stay there for 10 minutes "
                    "or until the all clear.",
                ),
                "ar": StageWords(
                    "{event}: احتموا الآن",
                    "عدد المناطق المهددة: {count}. أقرب وقت وصول متوقع: {time}.",
                    "ادخلوا مكانًا محميًا الآن وابقوا فيه عشر دقائق أو حتى إعلان انتهاء الخطر.",
                ),
                "he": StageWords(
                    "{event}: היכנסו למרחב המוגן עכשיו",
                    "מספר האזורים המאוימים: {count}. זמן ההגעה המשוער המוקדם ביותר: {time}.",
                    "היכנסו למרחב מוגן עכשיו ושהו בו 10 דקות או עד להודעה על סיום האירוע.",
                ),
            }
        ),
        Stage.ALL_CLEAR: MappingProxyType(
            {
                "en": StageWords(
                    "All clear: {event} — you may leave the shelter",
                    "The threat to these {count} zone(s) is over.",
                    "You may leave the protected space.",
                ),
                "ar": StageWords(
                    "انتهى الخطر: {event} — يمكنكم مغادرة الملجأ",
                    "انتهى التهديد لهذه المناطق ({count}).",
                    "يمكنكم مغادرة المكان المحمي.",
                ),
                "he": StageWords(
                    "סיום אירוע: {event} — ניתן לצאת מהמרחב המוגן",
                    "האיום על האזורים האלה ({count}) הסתיים.",
                    "ניתן לצאת מהמרחב המוגן.",
                ),
            }
        ),
    }
)


def event_name(threat_class: ThreatClass, language: str) -> str:
    """The CAP ``event`` for a threat class in ``language``."""
    names = EVENT_NAMES[threat_class]
    return names.get(_primary(language)) or names[FALLBACK_LANGUAGE]


def stage_words(
    stage: Stage,
    language: str,
    *,
    event: str,
    count: int,
    earliest: datetime | None,
    exercise: bool,
) -> StageWords:
    """The headline, description and instruction of ``stage`` in ``language``, filled in."""
    return stage_texts(
        stage, language, event=event, count=count, clock=clock_text(earliest), exercise=exercise
    )


def clock_text(moment: datetime | None) -> str:
    """``moment`` as the texts give the earliest arrival (UTC time of day), ``""`` for none."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%H:%M:%S UTC")


def stage_texts(
    stage: Stage, language: str, *, event: str, count: int, clock: str, exercise: bool
) -> StageWords:
    """:func:`stage_words` with the earliest arrival already written (:func:`clock_text`):
    a message words one onset in every language."""
    prefix, words = _words(stage, language, exercise)
    return StageWords(
        prefix + words.headline.format(event=event, count=count, time=clock),
        prefix + words.description.format(event=event, count=count, time=clock),
        prefix + words.instruction.format(event=event, count=count, time=clock),
    )


@lru_cache(maxsize=256)
def _words(stage: Stage, language: str, exercise: bool) -> tuple[str, StageWords]:
    """The exercise word's prefix (or ``""``) and the texts to fill, in ``language`` or the
    fallback."""
    by_language = _WORDS[stage]
    primary = _primary(language)
    words = by_language.get(primary) or by_language[FALLBACK_LANGUAGE]
    if not exercise:
        return "", words
    return f"{EXERCISE_WORD.get(primary) or EXERCISE_WORD[FALLBACK_LANGUAGE]}: ", words


def _primary(language: str) -> str:
    return language.split("-", maxsplit=1)[0].lower()

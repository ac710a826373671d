"""Issuance: a threat's warning stage changes as the CAP message that announces them.

Each message carries the threat's whole current picture, not only what changed: every zone in
early warning or take shelter, plus the zones given the all clear by this change. Per language
and per stage present there is one ``info`` (``responseType`` Prepare, Shelter or AllClear) with
one ``area`` per zone: the zone's name in that language, its outer ring as the polygon, and the
geocode ``tanbih:zone`` = zone id. Per-zone timing goes in the info's parameters:

- ``tanbih:eta:<zone id>`` — earliest predicted arrival, ISO 8601 with offset, whole seconds;
- ``tanbih:shelter_seconds:<zone id>`` — the zone's time to shelter in seconds;

and ``tanbih:threat`` = threat id (also in ``incidents``), one ``tanbih:source`` = partner id per
partner whose reports fed the threat (what releasability decides on, see
:mod:`tanbih.domain.provenance`), ``tanbih:end_reason`` in all clears of an ended threat.
``eventCode`` ``tanbih:threat_class`` names the class.

Chaining follows the lifecycle (:mod:`tanbih.domain.lifecycle`): a threat's first message is an
``Alert``; later ones are ``Update``\\ s referencing every unexpired earlier message of the same
chain. A message whose every info is AllClear closes the chain; if the threat warns again after
that (it turned back), a new chain opens with a new ``Alert``.

Identifiers are ``<sender>:<threat id>:<sequence>``, sequence counting the threat's messages
from 1, so a resend after a crash carries the same identifier.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.cap import (
    Alert,
    Area,
    Category,
    Certainty,
    Info,
    MsgType,
    NamedValue,
    Reference,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import Zone
from tanbih.domain.fusion import Threat
from tanbih.domain.lifecycle import Stage
from tanbih.domain.provenance import SOURCE_PARAMETER
from tanbih.domain.threat import ZoneExposure
from tanbih.domain.warning import StageChange
from tanbih.domain.warning_text import clock_text, event_name, stage_texts
from tanbih.domain.warning_zones import zone_parts

DEFAULT_LANGUAGES = ("ar", "he", "en")
DEFAULT_VALIDITY = timedelta(minutes=30)
# Confidence from which a report counts as seen rather than judged likely (CAP certainty).
OBSERVED_CONFIDENCE = 0.8
LIKELY_CONFIDENCE = 0.5
# CAP 1.2 §3.2.1: identifiers may not contain spaces, commas, '<' or '&'.
_NOT_IN_IDENTIFIER = re.compile(r"[\s,<&]")
# Infos come most urgent first.
_WARNING_STAGES = (Stage.TAKE_SHELTER, Stage.EARLY_WARNING)


@dataclass(frozen=True, slots=True)
class _StageCap:
    response: ResponseType
    urgency: Urgency
    severity: Severity


_CAP_OF_STAGE = {
    Stage.TAKE_SHELTER: _StageCap(ResponseType.SHELTER, Urgency.IMMEDIATE, Severity.EXTREME),
    Stage.EARLY_WARNING: _StageCap(ResponseType.PREPARE, Urgency.EXPECTED, Severity.SEVERE),
    Stage.ALL_CLEAR: _StageCap(ResponseType.ALL_CLEAR, Urgency.PAST, Severity.MINOR),
}


@dataclass(frozen=True, slots=True)
class IssuancePolicy:
    """How this node words and scopes its warnings.

    ``validity`` is how long a message stays in effect after its latest ETA (or after it is
    sent, for an all clear).
    """

    sender: str
    restriction: str = "coalition members only"
    languages: tuple[str, ...] = DEFAULT_LANGUAGES
    validity: timedelta = DEFAULT_VALIDITY
    sender_name: str | None = None


@dataclass(frozen=True, slots=True)
class IssuedMessage:
    """A message of a threat's chain, as later messages reference it."""

    key: Reference
    expires: datetime


@dataclass(frozen=True, slots=True)
class WarningThread:
    """What issuance remembers of one threat's messages: how many, and the open chain."""

    threat_id: str
    sequence: int = 0
    chain: tuple[IssuedMessage, ...] = ()


@dataclass(frozen=True, slots=True)
class Issue:
    """The message to send and the threat's thread after it."""

    alert: Alert
    thread: WarningThread


def message_identifier(sender: str, threat_id: str, sequence: int) -> str:
    """The CAP identifier of a threat's ``sequence``-th message from ``sender``."""
    identifier = f"{sender}:{threat_id}:{sequence}"
    if _NOT_IN_IDENTIFIER.search(identifier):
        raise ValueError(f"{identifier!r} would contain a space, comma, '<' or '&'")
    return identifier


def certainty_of(threat: Threat) -> Certainty:
    """How certain the threat is: seen by two partners or reported with high confidence."""
    if len(threat.sources) >= 2 or threat.confidence >= OBSERVED_CONFIDENCE:
        return Certainty.OBSERVED
    if threat.confidence >= LIKELY_CONFIDENCE:
        return Certainty.LIKELY
    return Certainty.POSSIBLE


def issue_warning(
    threat: Threat,
    changes: Sequence[StageChange],
    stages: Mapping[str, Stage],
    exposures: Iterable[ZoneExposure],
    zones: Mapping[str, Zone],
    thread: WarningThread,
    now: datetime,
    policy: IssuancePolicy,
) -> Issue | None:
    """The CAP message announcing ``changes`` for ``threat``, or ``None`` if there is none.

    ``stages`` are the zones' stages *after* the changes
    (:func:`~tanbih.domain.warning.stages_after`); ``exposures`` the threat's current ones
    (for the ETAs of zones whose stage did not change); ``zones`` must hold every zone named.
    There is no message when nothing changed, or when the changes only clear zones whose
    messages have all expired: receivers already consider those warnings over.
    """
    if not changes:
        return None
    eta_at = _earliest_etas(exposures)
    warned: dict[Stage, list[str]] = {stage: [] for stage in _WARNING_STAGES}
    for zone_id, stage in stages.items():
        if stage in warned:
            warned[stage].append(zone_id)
    for zone_ids in warned.values():
        # By ETA, then zone id: sorted by id, then stably by ETA (no key tuple per zone).
        zone_ids.sort()
        zone_ids.sort(key=eta_at.__getitem__)
    cleared = sorted(c.zone_id for c in changes if c.after is Stage.ALL_CLEAR)
    groups = [*warned.items(), (Stage.ALL_CLEAR, cleared)]
    return issue_stages(
        threat,
        [
            _stage_zones(stage, [zones[z] for z in zone_ids], eta_at, policy.languages)
            for stage, zone_ids in groups
            if zone_ids
        ],
        thread,
        now,
        policy,
    )


@dataclass(frozen=True, slots=True)
class StageZones:
    """One stage's zones as a message names them, in its order (by ETA then zone id; by zone
    id for an all clear): how many, the first and the latest ETA (``None`` for an all clear),
    their parameters (each zone's ETA and time to shelter; none for an all clear) and their
    areas in each language."""

    stage: Stage
    count: int
    first_eta: datetime | None
    last_eta: datetime | None
    parameters: Sequence[NamedValue]
    areas: Mapping[str, tuple[Area, ...]]


def issue_stages(
    threat: Threat,
    groups: Sequence[StageZones],
    thread: WarningThread,
    now: datetime,
    policy: IssuancePolicy,
) -> Issue | None:
    """The message carrying ``groups`` (take shelter, early warning, all clear; those with
    zones), or ``None`` when it would only clear zones whose messages have all expired.

    :func:`issue_warning` builds the groups from stages and exposures; the assessment builds
    the same groups from its columns (``tanbih.pipeline.message_columns``).
    """
    sent = _whole_second(now)
    chain = tuple(m for m in thread.chain if m.expires > now)
    warns = any(group.stage is not Stage.ALL_CLEAR for group in groups)
    if not chain and not warns:
        return None
    latest_eta = max(
        (group.last_eta for group in groups if group.last_eta is not None), default=sent
    )
    expires = _whole_second(max(latest_eta, sent) + policy.validity)
    # What is the same in every language is built once per stage: parameters, onset.
    shared = [_StageGroup.of(threat, group) for group in groups]
    alike = _Alike.of(threat, expires, policy)
    infos: list[Info] = []
    for language in policy.languages:
        event = event_name(threat.threat_class, language)
        infos += [_info(group, language, event, alike) for group in shared]
    sequence = thread.sequence + 1
    alert = Alert(
        identifier=message_identifier(policy.sender, threat.id, sequence),
        sender=policy.sender,
        sent=sent,
        status=threat.status,
        msg_type=MsgType.UPDATE if chain else MsgType.ALERT,
        scope=Scope.RESTRICTED,
        restriction=policy.restriction,
        note=_note(threat),
        references=tuple(m.key for m in chain),
        incidents=threat.id,
        infos=tuple(infos),
    )
    after = (*chain, IssuedMessage(alert.key, expires)) if warns else ()
    return Issue(alert, WarningThread(threat.id, sequence, after))


def _stage_zones(
    stage: Stage, zones: list[Zone], eta_at: Mapping[str, datetime], languages: tuple[str, ...]
) -> StageZones:
    """``zones`` in ETA order (the first is the onset), unless they are given all clear."""
    timed = stage is not Stage.ALL_CLEAR
    parameters, areas = zone_parts(zones, eta_at if timed else None, languages)
    first = eta_at[zones[0].id] if timed else None
    last = eta_at[zones[-1].id] if timed else None
    return StageZones(stage, len(zones), first, last, parameters, areas)


@dataclass(frozen=True, slots=True)
class _StageGroup:
    """One stage's zones in a message, with what its info carries in every language."""

    stage: Stage
    count: int
    parameters: tuple[NamedValue, ...]
    onset: datetime | None
    clock: str
    areas: Mapping[str, tuple[Area, ...]]

    @classmethod
    def of(cls, threat: Threat, zones: StageZones) -> _StageGroup:
        """The threat's parameters around the zones'; the first ETA is the onset, written out
        once for every language."""
        timed = zones.stage is not Stage.ALL_CLEAR
        onset = _whole_second(zones.first_eta) if zones.first_eta is not None else None
        parameters = [NamedValue("tanbih:threat", threat.id)]
        parameters += [NamedValue(SOURCE_PARAMETER, source) for source in threat.sources]
        parameters += zones.parameters
        if not timed and threat.ended is not None:
            parameters.append(NamedValue("tanbih:end_reason", threat.ended.value))
        return cls(
            zones.stage, zones.count, tuple(parameters), onset, clock_text(onset), zones.areas
        )


@dataclass(frozen=True, slots=True)
class _Alike:
    """What every info of one message carries alike, made once per message."""

    certainty: Certainty
    event_codes: tuple[NamedValue, ...]
    exercise: bool
    expires: datetime
    sender_name: str | None

    @classmethod
    def of(cls, threat: Threat, expires: datetime, policy: IssuancePolicy) -> _Alike:
        """The threat's certainty and class code, whether an exercise, and when it expires."""
        return cls(
            certainty_of(threat),
            (NamedValue("tanbih:threat_class", threat.threat_class.value),),
            threat.status is Status.EXERCISE,
            expires,
            policy.sender_name,
        )


def _info(group: _StageGroup, language: str, event: str, alike: _Alike) -> Info:
    cap = _CAP_OF_STAGE[group.stage]
    words = stage_texts(
        group.stage,
        language,
        event=event,
        count=group.count,
        clock=group.clock,
        exercise=alike.exercise,
    )
    return Info(
        categories=(Category.SECURITY,),
        event=event,
        urgency=cap.urgency,
        severity=cap.severity,
        certainty=alike.certainty,
        language=language,
        response_types=(cap.response,),
        event_codes=alike.event_codes,
        onset=group.onset,
        expires=alike.expires,
        sender_name=alike.sender_name,
        headline=words.headline,
        description=words.description,
        instruction=words.instruction,
        parameters=group.parameters,
        areas=group.areas[language],
    )


def _earliest_etas(exposures: Iterable[ZoneExposure]) -> dict[str, datetime]:
    """Each zone's earliest ETA, by zone id."""
    eta_at: dict[str, datetime] = {}
    for exposure in exposures:
        known = eta_at.get(exposure.zone_id)
        if known is None or exposure.eta < known:
            eta_at[exposure.zone_id] = exposure.eta
    return eta_at


def _note(threat: Threat) -> str | None:
    if threat.status is Status.EXERCISE:
        return f"EXERCISE EXERCISE EXERCISE: tanbih threat {threat.id}"
    return None


def _whole_second(moment: datetime) -> datetime:
    """CAP times are whole seconds; rounding down never announces an ETA late."""
    return moment.replace(microsecond=0)

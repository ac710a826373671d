"""Issuance: stage changes become valid CAP messages that chain as the lifecycle demands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone

import pytest
from tests.conftest import REPO_ROOT
from tests.unit.domain.assessment_samples import GEODESY, T0, exposure, report, square_zone

from tanbih.cap import emit_xml, parse_xml, validate
from tanbih.coalition.loader import load_coalition
from tanbih.domain.cap import (
    Alert,
    Certainty,
    MsgType,
    NamedValue,
    Point,
    ResponseType,
    Scope,
    Severity,
    Status,
    Urgency,
)
from tanbih.domain.coalition import Zone
from tanbih.domain.fusion import EndReason, Threat, fuse
from tanbih.domain.issuance import (
    IssuancePolicy,
    Issue,
    WarningThread,
    certainty_of,
    issue_warning,
    message_identifier,
)
from tanbih.domain.lifecycle import KnownMessage, Rule, Stage, Thread, Transition, decide
from tanbih.domain.threat import ThreatClass, ZoneExposure
from tanbih.domain.warning import WarningTiming, decide_warnings, stages_after

SENDER = "hub@coord.example.org"
POLICY = IssuancePolicy(sender=SENDER, restriction="coalition members only")
TIMING = WarningTiming(margin=timedelta(seconds=10), horizon=timedelta(minutes=15))
ZONES = {
    "A": square_zone("A", 31.5, 34.8, shelter_seconds=30),
    "B": square_zone("B", 31.6, 34.8, shelter_seconds=15),
}


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


def a_threat(**changes: object) -> Threat:
    """A live UAV threat ``t1`` fused from one Israeli report at T0."""
    made = fuse({}, report(), T0, GEODESY, "t1").threat
    return replace(made, **changes)  # type: ignore[arg-type]


@dataclass
class Story:
    """One threat's warnings over time: decide, issue, and feed each message to the lifecycle."""

    threat: Threat
    stages: dict[str, Stage] = field(default_factory=dict)
    thread: WarningThread = field(default_factory=lambda: WarningThread("t1"))
    known: dict[tuple[str, str], KnownMessage] = field(default_factory=dict)
    threads: dict[str, Thread] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)

    def step(self, seconds: float, exposures: Sequence[ZoneExposure]) -> Alert | None:
        """Decide and issue at T0 + ``seconds``; the lifecycle must accept what is issued."""
        now = at(seconds)
        decision = decide_warnings(
            exposures, self.stages, now, threat_ended=not self.threat.is_live, timing=TIMING
        )
        self.stages = stages_after(self.stages, decision)
        issued = issue_warning(
            self.threat, decision.changes, self.stages, exposures, ZONES, self.thread, now, POLICY
        )
        if issued is None:
            return None
        self.thread = issued.thread
        outcome = decide(issued.alert, self.known, self.threads, now)
        assert isinstance(outcome, Transition), outcome
        self.known[(SENDER, issued.alert.identifier)] = outcome.message
        self.threads[outcome.thread.id] = outcome.thread
        self.rules.append(outcome.rule)
        return issued.alert

    def issue(self, seconds: float, exposures: Sequence[ZoneExposure]) -> Alert:
        """``step``, where a message must come out."""
        alert = self.step(seconds, exposures)
        assert alert is not None, "no message was issued"
        return alert


def responses(alert: Alert) -> list[tuple[str, ResponseType, list[str]]]:
    """(language, responseType, zone geocodes) per info, in order."""
    return [
        (info.language, info.response_types[0], [a.geocodes[0].value for a in info.areas])
        for info in alert.infos
    ]


def assert_valid_cap(alert: Alert) -> None:
    """The message passes the rules, the XSD, and reads back from XML unchanged."""
    assert validate(alert) == []
    assert parse_xml(emit_xml(alert)) == alert


def test_a_threat_from_warning_to_all_clear_chains_as_the_lifecycle_demands() -> None:
    """Early warning, shelter, a zone dropping off, the end: Alert, then Updates, all valid CAP."""
    story = Story(a_threat())
    first = story.issue(0, [exposure("A", 600), exposure("B", 620, 15)])
    second = story.issue(565, [exposure("A", 600), exposure("B", 620, 15)])
    third = story.issue(600, [exposure("B", 620, 15)])
    story.threat = a_threat(ended=EndReason.NEUTRALISED, ended_at=at(610))
    last = story.issue(610, [])
    assert story.rules == [Rule.ISSUE, Rule.RAISE_TO_SHELTER, Rule.UPDATE, Rule.ALL_CLEAR]
    assert [m.msg_type for m in (first, second, third, last)] == [
        MsgType.ALERT,
        MsgType.UPDATE,
        MsgType.UPDATE,
        MsgType.UPDATE,
    ]
    assert last.references == (first.key, second.key, third.key)
    for alert in (first, second, third, last):
        assert_valid_cap(alert)
    prepare, shelter, clear = ResponseType.PREPARE, ResponseType.SHELTER, ResponseType.ALL_CLEAR
    assert responses(second)[:2] == [("ar", shelter, ["A"]), ("ar", prepare, ["B"])]
    assert responses(third)[:2] == [("ar", shelter, ["B"]), ("ar", clear, ["A"])]
    assert responses(last) == [("ar", clear, ["B"]), ("he", clear, ["B"]), ("en", clear, ["B"])]
    assert NamedValue("tanbih:end_reason", "neutralised") in last.infos[0].parameters


def test_the_first_message_carries_the_whole_picture() -> None:
    """The Alert names every zone with its polygon, names, ETA and shelter time, per language."""
    alert = Story(a_threat()).issue(0, [exposure("B", 620, 15), exposure("A", 600)])
    assert alert.identifier == f"{SENDER}:t1:1"
    assert (alert.status, alert.scope, alert.restriction) == (
        Status.ACTUAL,
        Scope.RESTRICTED,
        "coalition members only",
    )
    assert alert.incidents == "t1"
    assert [info.language for info in alert.infos] == ["ar", "he", "en"]
    en = alert.infos[2]
    assert (en.urgency, en.severity, en.certainty) == (
        Urgency.EXPECTED,
        Severity.SEVERE,
        Certainty.OBSERVED,
    )
    assert en.event == "Hostile UAV"
    assert en.onset == at(600)
    assert en.expires == at(620) + POLICY.validity
    assert [a.area_desc for a in en.areas] == ["Zone A", "Zone B"]
    assert [a.area_desc for a in alert.infos[1].areas] == ["אזור A", "אזור B"]
    ring = en.areas[0].polygons[0].points
    assert ring[0] == ring[-1] == Point(31.49, 34.79)
    assert en.areas[0].geocodes == (NamedValue("tanbih:zone", "A"),)
    assert en.parameters == (
        NamedValue("tanbih:threat", "t1"),
        NamedValue("tanbih:source", "il"),
        NamedValue("tanbih:eta:A", "2026-11-29T12:10:00+00:00"),
        NamedValue("tanbih:shelter_seconds:A", "30"),
        NamedValue("tanbih:eta:B", "2026-11-29T12:10:20+00:00"),
        NamedValue("tanbih:shelter_seconds:B", "15"),
    )
    assert en.event_codes == (NamedValue("tanbih:threat_class", "uav"),)


def test_exercise_messages_say_so_first_in_every_language() -> None:
    """An exercise threat's messages are Exercise, and every text opens with the exercise word."""
    alert = Story(a_threat(status=Status.EXERCISE)).issue(0, [exposure("A", 600)])
    assert alert.status is Status.EXERCISE
    assert (alert.note or "").startswith("EXERCISE")
    words = {"ar": "تمرين: ", "he": "תרגיל: ", "en": "EXERCISE: "}
    for info in alert.infos:
        for text in (info.headline, info.description, info.instruction):
            assert (text or "").startswith(words[info.language])
    assert_valid_cap(alert)


def test_times_are_whole_seconds_rounded_down() -> None:
    """Sent, onset and the ETA parameter drop fractions, so no ETA is announced late."""
    story = Story(a_threat())
    alert = story.issue(0.7, [exposure("A", 600.9)])
    assert alert.sent == T0
    assert alert.infos[0].onset == at(600)
    assert_valid_cap(alert)


def test_eta_parameters_are_whole_seconds_in_the_eta_offset() -> None:
    """The same second reads the same in every message; an ETA keeps its own UTC offset."""

    def eta_values(exposures: Sequence[ZoneExposure]) -> list[str]:
        alert = Story(a_threat()).issue(0, exposures)
        assert_valid_cap(alert)
        parameters = alert.infos[0].parameters
        return [p.value for p in parameters if p.value_name.startswith("tanbih:eta:")]

    first = [exposure("A", 600.9), exposure("B", 600.2)]
    assert eta_values(first) == ["2026-11-29T12:10:00+00:00", "2026-11-29T12:10:00+00:00"]
    again = [exposure("A", 600.9), exposure("B", 599.99)]
    assert eta_values(again) == ["2026-11-29T12:09:59+00:00", "2026-11-29T12:10:00+00:00"]
    jerusalem = timezone(timedelta(hours=2))
    away = [replace(exposure("A", 600.5), eta=at(600.5).astimezone(jerusalem))]
    assert eta_values(away) == ["2026-11-29T14:10:00+02:00"]


def test_after_an_all_clear_a_returning_threat_opens_a_new_chain() -> None:
    """A threat that turns away (all clear) and comes back is warned by a new Alert."""
    story = Story(a_threat())
    story.step(0, [exposure("A", 600)])
    story.issue(10, [])
    again = story.issue(20, [exposure("A", 600)])
    assert story.rules == [Rule.ISSUE, Rule.ALL_CLEAR, Rule.ISSUE]
    assert again.msg_type is MsgType.ALERT
    assert again.references == ()
    assert again.identifier == f"{SENDER}:t1:3"


def test_expired_messages_are_not_referenced() -> None:
    """Once every earlier message expired, the next warning opens a new Alert."""
    story = Story(a_threat())
    story.step(0, [exposure("A", 600)])
    late = 600 + POLICY.validity.total_seconds() + 1
    alert = story.issue(late, [exposure("B", late + 100, 15)])
    assert alert.msg_type is MsgType.ALERT
    assert story.rules == [Rule.ISSUE, Rule.ISSUE]


def test_clearing_only_expired_warnings_sends_nothing() -> None:
    """An all clear for warnings that all expired is not sent: receivers consider them over."""
    story = Story(a_threat())
    story.step(0, [exposure("A", 600)])
    assert story.step(600 + POLICY.validity.total_seconds(), []) is None


def test_no_change_issues_nothing() -> None:
    """A decision without changes produces no message and leaves the thread as it was."""
    thread = WarningThread("t1")
    got = issue_warning(a_threat(), [], {}, [], ZONES, thread, T0, POLICY)
    assert got is None


def test_languages_beyond_the_three_fall_back_to_english_words() -> None:
    """A Russian info gets English words but the zone's Russian name."""
    zone = Zone("R", "il", {"en": "Zone R", "ru": "Зона Р"}, 30, ZONES["A"].rings)
    story = Story(a_threat())
    decision = decide_warnings([exposure("R", 100)], {}, T0, threat_ended=False, timing=TIMING)
    stages = stages_after({}, decision)
    policy = replace(POLICY, languages=("ru",))
    issued = issue_warning(
        story.threat,
        decision.changes,
        stages,
        [exposure("R", 100)],
        {"R": zone},
        story.thread,
        T0,
        policy,
    )
    assert isinstance(issued, Issue)
    (info,) = issued.alert.infos
    assert info.event == "Hostile UAV"
    assert info.areas[0].area_desc == "Зона Р"


def test_an_open_zone_ring_is_closed() -> None:
    """A zone ring given without its closing point still yields a closed CAP polygon."""
    open_ring = ZONES["A"].rings[0][:-1]
    zones = {"A": replace(ZONES["A"], rings=(open_ring,))}
    decision = decide_warnings([exposure("A", 100)], {}, T0, threat_ended=False, timing=TIMING)
    issued = issue_warning(
        a_threat(),
        decision.changes,
        stages_after({}, decision),
        [exposure("A", 100)],
        zones,
        WarningThread("t1"),
        T0,
        POLICY,
    )
    assert issued is not None
    points = issued.alert.infos[0].areas[0].polygons[0].points
    assert points[0] == points[-1]
    assert validate(issued.alert) == []


def test_a_zone_redrawn_under_the_same_id_is_named_and_drawn_as_it_is_now() -> None:
    """Zones' areas are built once and reused; a zone changed under the same id is rebuilt."""

    def areas(zones: dict[str, Zone]) -> list[tuple[str, tuple[Point, ...]]]:
        decision = decide_warnings([exposure("A", 100)], {}, T0, threat_ended=False, timing=TIMING)
        issued = issue_warning(
            a_threat(),
            decision.changes,
            stages_after({}, decision),
            [exposure("A", 100)],
            zones,
            WarningThread("t1"),
            T0,
            POLICY,
        )
        assert issued is not None
        english = [info for info in issued.alert.infos if info.language == "en"]
        return [(area.area_desc, area.polygons[0].points) for area in english[0].areas]

    before = areas(ZONES)
    assert areas(ZONES) == before
    moved = square_zone("A", 32.5, 35.0, shelter_seconds=30)
    renamed = replace(moved, names={**moved.names, "en": "Elsewhere"})
    [(name, points)] = areas({"A": renamed})
    assert name == "Elsewhere"
    assert points[0] == Point(*renamed.rings[0][0])
    assert (name, points) != before[0]
    assert areas(ZONES) == before


@pytest.mark.parametrize(
    ("sources", "confidence", "certainty"),
    [
        (("il", "jo"), 0.1, Certainty.OBSERVED),
        (("il",), 0.8, Certainty.OBSERVED),
        (("il",), 0.5, Certainty.LIKELY),
        (("il",), 0.49, Certainty.POSSIBLE),
    ],
)
def test_certainty_from_sources_and_confidence(
    sources: tuple[str, ...], confidence: float, certainty: Certainty
) -> None:
    """Two partners or high confidence make a threat observed; lower confidence likely or less."""
    assert certainty_of(a_threat(sources=sources, confidence=confidence)) is certainty


@pytest.mark.parametrize("threat_class", list(ThreatClass))
def test_every_class_has_its_event_words(threat_class: ThreatClass) -> None:
    """Each class's message names its event in Arabic, Hebrew and English, all distinct."""
    alert = Story(a_threat(threat_class=threat_class)).issue(0, [exposure("A", 600)])
    events = [info.event for info in alert.infos]
    assert len(set(events)) == 3
    assert_valid_cap(alert)


def test_identifiers_refuse_characters_cap_forbids() -> None:
    """A threat id with a space would break CAP references, so no identifier is made from it."""
    assert message_identifier(SENDER, "t-9", 4) == f"{SENDER}:t-9:4"
    with pytest.raises(ValueError, match="space, comma"):
        message_identifier(SENDER, "t 9", 1)


def test_real_home_front_command_zones_make_valid_cap() -> None:
    """Warnings for real 15 s zones of the demo coalition pass the rules and the XSD."""
    coalition = load_coalition(REPO_ROOT / "examples" / "coalition" / "coalition.yaml")
    real = [z for z in coalition.zones if z.partner_id == "il" and z.shelter_seconds == 15][:25]
    exposures = [exposure(z.id, 20 + k, 15) for k, z in enumerate(real)]
    decision = decide_warnings(exposures, {}, T0, threat_ended=False, timing=TIMING)
    issued = issue_warning(
        a_threat(),
        decision.changes,
        stages_after({}, decision),
        exposures,
        {z.id: z for z in real},
        WarningThread("t1"),
        T0,
        POLICY,
    )
    assert issued is not None
    # ETA 20..44 s, 15 s to shelter and a 10 s margin: the first six are due now.
    assert [len(info.areas) for info in issued.alert.infos] == [6, 19] * 3
    shelter_infos = issued.alert.infos[::2]
    assert {info.areas[0].area_desc for info in shelter_infos} == set(real[0].names.values())
    assert_valid_cap(issued.alert)

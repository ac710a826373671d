"""The warning decision as a table: per zone, which stage is due now and when to look again."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tests.unit.domain.assessment_samples import T0, exposure

from tanbih.domain.lifecycle import Stage
from tanbih.domain.threat import ZoneExposure
from tanbih.domain.warning import (
    StageChange,
    WarningDecision,
    WarningRule,
    WarningTiming,
    decide_warnings,
    stages_after,
)

TIMING = WarningTiming(margin=timedelta(seconds=10), horizon=timedelta(seconds=900))
NONE, EARLY, SHELTER, CLEAR = (
    Stage.NONE,
    Stage.EARLY_WARNING,
    Stage.TAKE_SHELTER,
    Stage.ALL_CLEAR,
)


def at(seconds: float) -> datetime:
    """T0 plus ``seconds``."""
    return T0 + timedelta(seconds=seconds)


# Zone A: ETA T0+1000 s, 30 s to shelter: early warning from 100 s, shelter from 960 s.
A = exposure("A", 1_000)
# (exposures, stages before, now, ended) -> (zone, before, after, rule) changes, review at.
CASES = [
    ([A], {}, 0, False, [], 100),
    ([A], {}, 100, False, [("A", NONE, EARLY, WarningRule.ON_PATH)], 960),
    ([A], {"A": EARLY}, 500, False, [], 960),
    ([A], {"A": EARLY}, 960, False, [("A", EARLY, SHELTER, WarningRule.SHELTER_DUE)], None),
    ([A], {}, 999, False, [("A", NONE, SHELTER, WarningRule.SHELTER_DUE)], None),
    ([A], {"A": SHELTER}, 1_500, False, [], None),
    ([exposure("A", 3_000)], {"A": SHELTER}, 0, False, [], None),
    ([exposure("A", 3_000)], {"A": EARLY}, 0, False, [], 2_960),
    ([exposure("A", 20, 15)], {}, 0, False, [("A", NONE, SHELTER, WarningRule.SHELTER_DUE)], None),
    ([exposure("A", 30, 15)], {}, 0, False, [("A", NONE, EARLY, WarningRule.ON_PATH)], 5),
    ([exposure("A", 10, 0)], {}, 0, False, [("A", NONE, SHELTER, WarningRule.SHELTER_DUE)], None),
    ([], {"A": EARLY}, 0, False, [("A", EARLY, CLEAR, WarningRule.OFF_PATH)], None),
    ([], {"A": SHELTER}, 0, False, [("A", SHELTER, CLEAR, WarningRule.OFF_PATH)], None),
    ([], {"A": CLEAR, "B": NONE}, 0, False, [], None),
    ([A], {"A": CLEAR}, 100, False, [("A", CLEAR, EARLY, WarningRule.ON_PATH)], 960),
    (
        [A, exposure("B", 100)],
        {"A": SHELTER, "B": EARLY, "C": CLEAR, "D": NONE},
        0,
        True,
        [
            ("A", SHELTER, CLEAR, WarningRule.THREAT_ENDED),
            ("B", EARLY, CLEAR, WarningRule.THREAT_ENDED),
        ],
        None,
    ),
    (
        [exposure("B", 2_000), A, exposure("C", 50)],
        {"C": EARLY},
        100,
        False,
        [
            ("A", NONE, EARLY, WarningRule.ON_PATH),
            ("C", EARLY, SHELTER, WarningRule.SHELTER_DUE),
        ],
        960,
    ),
    ([exposure("A", 2_000), A], {}, 100, False, [("A", NONE, EARLY, WarningRule.ON_PATH)], 960),
]
IDS = [
    "beyond the horizon: wait until it enters",
    "entering the horizon: early warning",
    "early warning stays until shelter is due",
    "shelter due: take shelter",
    "first seen late: straight to shelter",
    "shelter stays after the ETA",
    "never back from shelter to early warning",
    "early warning stays when the ETA recedes",
    "15 s zone seen too late: shelter now",
    "15 s zone seen in time: early warning, review at due time",
    "zero shelter time: shelter at ETA minus margin",
    "dropped off the path: all clear",
    "shelter zone dropped off the path: all clear",
    "cleared and never-warned zones stay quiet",
    "back on the path after an all clear: warned again",
    "threat ended: all clear to every warned zone",
    "several zones: changes by zone id, earliest review",
    "a zone exposed twice counts with its earliest ETA",
]


@pytest.mark.parametrize(
    ("exposures", "before", "now_s", "ended", "changes", "review_s"), CASES, ids=IDS
)
def test_decision(
    exposures: list[ZoneExposure],
    before: dict[str, Stage],
    now_s: float,
    ended: bool,
    changes: list[tuple[str, Stage, Stage, WarningRule]],
    review_s: float | None,
) -> None:
    """Each zone moves to the stage its rule makes due at ``now``, and nothing else moves."""
    decision = decide_warnings(exposures, before, at(now_s), threat_ended=ended, timing=TIMING)
    assert [(c.zone_id, c.before, c.after, c.rule) for c in decision.changes] == changes
    assert decision.review_at == (None if review_s is None else at(review_s))


def test_a_change_carries_the_exposure_that_caused_it() -> None:
    """A warning change carries the zone's earliest exposure; an all clear carries none."""
    decision = decide_warnings([exposure("A", 2_000), A], {"B": EARLY}, at(100), threat_ended=False)
    assert [c.exposure for c in decision.changes] == [A, None]


def test_stages_after_applies_the_changes() -> None:
    """The stages to remember next time are the old ones with each change applied."""
    decision = WarningDecision(
        (
            StageChange("A", EARLY, SHELTER, WarningRule.SHELTER_DUE, A),
            StageChange("C", EARLY, CLEAR, WarningRule.OFF_PATH, None),
        ),
        None,
    )
    before = {"A": EARLY, "B": EARLY, "C": EARLY}
    assert stages_after(before, decision) == {"A": SHELTER, "B": EARLY, "C": CLEAR}
    assert before == {"A": EARLY, "B": EARLY, "C": EARLY}


def shelter_time(first_seen: float, reports: list[float], eta: float, margin: float) -> float:
    """When a 15 s zone gets take shelter, deciding at each report and at each review time."""
    timing = WarningTiming(margin=timedelta(seconds=margin), horizon=timedelta(minutes=15))
    zone = exposure("Z", eta, shelter_seconds=15)
    stages: dict[str, Stage] = {}
    pending = sorted({first_seen, *(first_seen + gap for gap in reports)})
    while pending:
        now = pending.pop(0)
        decision = decide_warnings([zone], stages, at(now), threat_ended=False, timing=timing)
        stages = stages_after(stages, decision)
        if stages.get("Z") is SHELTER:
            return now
        if decision.review_at is not None:
            pending = sorted({*pending, (decision.review_at - T0).total_seconds()})
    raise AssertionError("the zone was never told to take shelter")


@given(
    first_seen=st.floats(min_value=0, max_value=3_000),
    gaps=st.lists(st.floats(min_value=0.1, max_value=600), max_size=5),
    eta=st.floats(min_value=0, max_value=3_000),
    margin=st.integers(min_value=0, max_value=30),
)
def test_a_15_s_zone_is_warned_15_s_plus_margin_before_eta_whenever_possible(
    first_seen: float, gaps: list[float], eta: float, margin: int
) -> None:
    """A 15 s zone shelters ≥ 15 s + margin before its ETA if first seen in time, else at once."""
    reports = [sum(gaps[: k + 1]) for k in range(len(gaps))]
    when = shelter_time(first_seen, reports, eta, margin)
    due = eta - 15 - margin
    if first_seen <= due:
        assert eta - when >= 15 + margin - 1e-6
    else:
        assert when == first_seen


@given(
    steps=st.lists(
        st.tuples(st.booleans(), st.floats(min_value=-100, max_value=3_000)), max_size=12
    )
)
def test_shelter_never_falls_back_to_early_warning(steps: list[tuple[bool, float]]) -> None:
    """Whatever the exposures do while the threat lasts, no zone goes from shelter to early."""
    stages: dict[str, Stage] = {}
    for k, (exposed, eta) in enumerate(steps):
        zones = [exposure("Z", eta)] if exposed else []
        decision = decide_warnings(zones, stages, at(10 * k), threat_ended=False, timing=TIMING)
        assert all((c.before, c.after) != (SHELTER, EARLY) for c in decision.changes)
        stages = stages_after(stages, decision)

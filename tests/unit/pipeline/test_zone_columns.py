"""The assessment's columns decide and word warnings exactly as the domain's reference does."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest
from tests.unit.domain.assessment_samples import GEODESY, T0, report, square_zone

from tanbih.domain.cap import Reference
from tanbih.domain.fusion import EndReason, Threat, fuse
from tanbih.domain.issuance import (
    IssuancePolicy,
    IssuedMessage,
    WarningThread,
    issue_stages,
    issue_warning,
)
from tanbih.domain.lifecycle import Stage
from tanbih.domain.warning import (
    StageChange,
    WarningRule,
    WarningTiming,
    decide_warnings,
    stages_after,
)
from tanbih.geo.prediction import Arrivals
from tanbih.geo.zone_index import ZoneIndex
from tanbih.pipeline.message_columns import TEXT_SLOTS, ZoneMessages
from tanbih.pipeline.zone_columns import Codes, Decide, Exposed, micros, moment_of, stage_map

TIMING = WarningTiming(margin=timedelta(seconds=10), horizon=timedelta(minutes=15))
POLICY = IssuancePolicy(sender="hub@coord.example.org")
SHELTER_SECONDS = (0, 15, 30, 45, 60, 90)
# Ids out of their index order, so that ordering by zone id is not ordering by position.
ZONES = {
    zone.id: zone
    for zone in (
        square_zone(f"z{(n * 7) % 40:02d}", 31 + n * 0.03, 34.8, SHELTER_SECONDS[n % 6])
        for n in range(40)
    )
}
INDEX = ZoneIndex(list(ZONES.values()))
MESSAGES = ZoneMessages(INDEX, ZONES, POLICY.languages)
DECIDE = Decide(INDEX, TIMING)


def a_case(rng: np.random.Generator) -> tuple[Exposed, Codes, int]:
    """Random exposures (ties of whole seconds included), stages before, and a moment."""
    predicted = T0 + timedelta(microseconds=int(rng.integers(0, 10**9)))
    zone = rng.choice(len(INDEX.zones), size=int(rng.integers(0, 30)), replace=False)
    offset = rng.uniform(0, 1_200, zone.size)
    offset[rng.random(zone.size) < 0.3] = np.floor(rng.uniform(0, 1_200))
    exposed = Exposed.of(INDEX, Arrivals(zone.astype(np.intp), offset), predicted)
    stages = rng.choice(4, size=len(INDEX.zones), p=[0.5, 0.2, 0.2, 0.1]).astype(np.int8)
    now_us = micros(predicted) + int(rng.integers(-100_000_000, 1_200_000_000))
    if zone.size and rng.random() < 0.4:
        # Exactly at a zone's shelter or early-warning threshold.
        at = int(rng.integers(zone.size))
        shelter = INDEX.zone_shelter_seconds[exposed.zone[at]] * 1_000_000
        lead = shelter + micros(T0 + TIMING.margin) - micros(T0)
        if rng.random() < 0.5:
            lead = micros(T0 + TIMING.horizon) - micros(T0)
        now_us = int(exposed.eta_us[at]) - lead
    return exposed, stages, now_us


@pytest.mark.parametrize("seed", range(8))
def test_the_column_decision_is_the_domain_decision(seed: int) -> None:
    """On 250 random cases the columns give the reference's changes, stages and review time."""
    rng = np.random.default_rng(seed)
    for _ in range(250):
        exposed, stages, now_us = a_case(rng)
        now, ended = moment_of(now_us), bool(rng.random() < 0.1)
        before = stage_map(INDEX, stages)
        reference = decide_warnings(
            exposed.exposures(), before, now, threat_ended=ended, timing=TIMING
        )
        columns = DECIDE(exposed, stages, now, threat_ended=ended)
        ids = INDEX.zone_ids
        assert [(ids[z], Stage(stages[z]), Stage(columns.stages[z])) for z in columns.changed] == [
            (c.zone_id, c.before, c.after) for c in reference.changes
        ]
        assert columns.review_at == reference.review_at
        assert stage_map(INDEX, columns.stages) == stages_after(before, reference)
        assert columns.shelters == any(c.after is Stage.TAKE_SHELTER for c in reference.changes)


def a_threat(rng: np.random.Generator) -> Threat:
    """A live UAV threat, or one that ended."""
    threat = fuse({}, report(), T0, GEODESY, "t1").threat
    if rng.random() < 0.2:
        return replace(threat, ended=EndReason.NEUTRALISED, ended_at=T0)
    return threat


@pytest.mark.parametrize("seed", range(4))
def test_a_message_from_columns_is_the_domain_message(seed: int) -> None:
    """On 100 random decisions the message built from columns equals issue_warning's."""
    rng = np.random.default_rng(100 + seed)
    compared = 0
    while compared < 100:
        exposed, stages, now_us = a_case(rng)
        threat, now = a_threat(rng), moment_of(now_us)
        decision = DECIDE(exposed, stages, now, threat_ended=not threat.is_live)
        if not decision.changed.size:
            continue
        thread = WarningThread("t1")
        if rng.random() < 0.5:
            earlier = Reference(POLICY.sender, "x:t1:1", T0)
            thread = WarningThread("t1", 1, (IssuedMessage(earlier, now + timedelta(1)),))
        reference = issue_warning(
            threat,
            decide_warnings(
                exposed.exposures(),
                stage_map(INDEX, stages),
                now,
                threat_ended=not threat.is_live,
                timing=TIMING,
            ).changes,
            stage_map(INDEX, decision.stages),
            exposed.exposures(),
            ZONES,
            thread,
            now,
            POLICY,
        )
        etas = MESSAGES.eta_parameters(exposed)
        groups = MESSAGES.stage_zones(exposed, etas, decision.stages, decision.cleared)
        assert issue_stages(threat, groups, thread, now, POLICY) == reference
        compared += 1


@pytest.mark.parametrize("apart_s", [TEXT_SLOTS, TEXT_SLOTS - 1, 3 * TEXT_SLOTS + 7])
def test_eta_texts_of_seconds_far_apart_are_their_own(apart_s: int) -> None:
    """ETAs whose seconds share a slot of the text table, in one message or in successive
    ones, each get their own text, as issue_warning writes them."""
    threat, thread = fuse({}, report(), T0, GEODESY, "t1").threat, WarningThread("t1")
    for offsets in ([0.0, 1.0], [float(apart_s), apart_s + 0.5], [2.0, 2.0 + apart_s]):
        zone = np.arange(len(offsets), dtype=np.intp)
        exposed = Exposed.of(INDEX, Arrivals(zone, np.array(offsets)), T0)
        stages = np.zeros(len(INDEX.zones), dtype=np.int8)
        stages[exposed.zone] = int(Stage.EARLY_WARNING)
        changes = [
            StageChange(e.zone_id, Stage.NONE, Stage.EARLY_WARNING, WarningRule.ON_PATH, e)
            for e in exposed.exposures()
        ]
        reference = issue_warning(
            threat,
            changes,
            stage_map(INDEX, stages),
            exposed.exposures(),
            ZONES,
            thread,
            T0,
            POLICY,
        )
        etas = MESSAGES.eta_parameters(exposed)
        groups = MESSAGES.stage_zones(exposed, etas, stages, np.empty(0, dtype=np.intp))
        assert issue_stages(threat, groups, thread, T0, POLICY) == reference


@pytest.mark.parametrize("seed", range(4))
def test_exposures_are_by_eta_then_zone_id_whatever_the_arrivals_order(seed: int) -> None:
    """Arrivals in their own order (by offset, then zone id) or in none, with offsets that
    tie or round to the same microsecond, give exposures by ETA then zone id."""
    rng = np.random.default_rng(300 + seed)
    for _ in range(200):
        zone = rng.choice(len(INDEX.zones), size=int(rng.integers(0, 40)), replace=False)
        offset = np.round(rng.uniform(0, 5, zone.size), int(rng.integers(0, 8)))
        if rng.random() < 0.5:
            # As predictions give them: by offset, then zone id.
            order = np.lexsort((INDEX.id_rank[zone], offset))
            zone, offset = zone[order], offset[order]
        exposed = Exposed.of(INDEX, Arrivals(zone.astype(np.intp), offset), T0)
        eta = micros(T0) + np.rint(offset * 1e6).astype(np.int64)
        expected = np.lexsort((INDEX.id_rank[zone], eta))
        assert exposed.zone.tolist() == zone[expected].tolist()
        assert exposed.eta_us.tolist() == eta[expected].tolist()

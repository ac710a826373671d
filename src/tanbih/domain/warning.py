"""The warning decision: which of a threat's zones move to which stage, and when to look again.

Per zone, from the threat's current exposures (``ZoneExposure``: earliest ETA, time to shelter):

- **shelter due** → take shelter, when ``eta − shelter_seconds − margin ≤ now``;
- **on path** → early warning, when the zone is exposed and ``eta − now ≤ horizon``;
- **off path** → all clear, for a warned zone that no longer appears in the exposures;
- **threat ended** → all clear, for every warned zone.

A zone never goes back from take shelter to early warning while the threat lasts: it stays in
shelter until its all clear. A zone given the all clear that comes back on the path is warned
again like a new one.

Decisions happen when something is known, but a shelter warning is due at a time, not at a
report: ``WarningDecision.review_at`` says when the same exposures next cross a threshold, and
the caller decides again then (dead reckoning keeps ETAs fixed until the next report).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter

from tanbih.domain.lifecycle import Stage
from tanbih.domain.threat import ZoneExposure

DEFAULT_MARGIN = timedelta(seconds=10)
DEFAULT_HORIZON = timedelta(minutes=15)
_WARNED = frozenset({Stage.EARLY_WARNING, Stage.TAKE_SHELTER})
_ZONE_OF = attrgetter("zone_id")


class WarningRule(StrEnum):
    """The rule that moved a zone to its new stage."""

    ON_PATH = "on_path"
    SHELTER_DUE = "shelter_due"
    OFF_PATH = "off_path"
    THREAT_ENDED = "threat_ended"


@dataclass(frozen=True, slots=True)
class WarningTiming:
    """How early to warn: ``margin`` added to every time to shelter (dissemination delays,
    prediction error) and the ``horizon`` within which a zone on the path gets early warning."""

    margin: timedelta = DEFAULT_MARGIN
    horizon: timedelta = DEFAULT_HORIZON

    def shelter_due(self, exposure: ZoneExposure) -> datetime:
        """When the zone must be told to take shelter."""
        return exposure.eta - timedelta(seconds=exposure.shelter_seconds) - self.margin

    def early_warning_due(self, exposure: ZoneExposure) -> datetime:
        """When the zone enters the early-warning horizon."""
        return exposure.eta - self.horizon


@dataclass(frozen=True, slots=True)
class StageChange:
    """One zone moving from one warning stage to another, under a rule.

    ``exposure`` is the zone's current exposure; ``None`` for an all clear, which has none.
    """

    zone_id: str
    before: Stage
    after: Stage
    rule: WarningRule
    exposure: ZoneExposure | None


@dataclass(frozen=True, slots=True)
class WarningDecision:
    """The stage changes due now (empty if none) and when to decide again if nothing is reported."""

    changes: tuple[StageChange, ...]
    review_at: datetime | None


def decide_warnings(
    exposures: Iterable[ZoneExposure],
    stages: Mapping[str, Stage],
    now: datetime,
    *,
    threat_ended: bool,
    timing: WarningTiming = WarningTiming(),
) -> WarningDecision:
    """Decide the stage changes for one threat's zones at ``now``.

    ``stages`` holds the stage each zone reached for this threat so far (zones never warned may
    be absent); ``exposures`` are the zones the threat is predicted to reach, from its latest
    state. Changes are ordered by zone id.
    """
    if threat_ended:
        return WarningDecision(tuple(_all_clear(stages, set(), WarningRule.THREAT_ENDED)), None)
    by_zone = earliest_per_zone(exposures)
    changes = _all_clear(stages, by_zone.keys(), WarningRule.OFF_PATH)
    review: datetime | None = None
    # A threat over a city has hundreds of zones but few distinct times to shelter: each lead
    # (time to shelter + margin) is made once, not once per zone.
    leads: dict[int, timedelta] = {}
    horizon = timing.horizon
    for zone_id, exposure in by_zone.items():
        before = stages.get(zone_id, Stage.NONE)
        if before is Stage.TAKE_SHELTER:
            continue  # never back to early warning while the threat lasts; nothing more due
        lead = leads.get(exposure.shelter_seconds)
        if lead is None:
            lead = leads[exposure.shelter_seconds] = (
                timedelta(seconds=exposure.shelter_seconds) + timing.margin
            )
        # timing.shelter_due and timing.early_warning_due, inlined: this is the hot loop.
        threshold = exposure.eta - lead
        if threshold <= now:
            changes.append(
                StageChange(zone_id, before, Stage.TAKE_SHELTER, WarningRule.SHELTER_DUE, exposure)
            )
            continue
        if before is not Stage.EARLY_WARNING:
            early = exposure.eta - horizon
            if early <= now:
                changes.append(
                    StageChange(zone_id, before, Stage.EARLY_WARNING, WarningRule.ON_PATH, exposure)
                )
            elif early < threshold:
                threshold = early
        if review is None or threshold < review:
            review = threshold
    changes.sort(key=_ZONE_OF)
    return WarningDecision(tuple(changes), review)


def stages_after(stages: Mapping[str, Stage], decision: WarningDecision) -> dict[str, Stage]:
    """The per-zone stages once ``decision`` is applied: what to pass as ``stages`` next time."""
    after = dict(stages)
    after.update((change.zone_id, change.after) for change in decision.changes)
    return after


def earliest_per_zone(exposures: Iterable[ZoneExposure]) -> dict[str, ZoneExposure]:
    """Each zone's exposure with the earliest ETA, by zone id."""
    by_zone: dict[str, ZoneExposure] = {}
    for exposure in exposures:
        known = by_zone.get(exposure.zone_id)
        if known is None or exposure.eta < known.eta:
            by_zone[exposure.zone_id] = exposure
    return by_zone


def _all_clear(
    stages: Mapping[str, Stage], exposed: Collection[str], rule: WarningRule
) -> list[StageChange]:
    return sorted(
        (
            StageChange(zone_id, stage, Stage.ALL_CLEAR, rule, None)
            for zone_id, stage in stages.items()
            if stage in _WARNED and zone_id not in exposed
        ),
        key=_ZONE_OF,
    )

"""A threat's zones as columns over the zone index: its exposures, stages and warning decision.

The assessment keeps each threat's exposures as two numpy columns (each zone's position in the
index, its ETA in whole microseconds since the epoch) and its zones' stages as one small integer
per zone of the index, and decides on them in one pass compiled by numba. A threat over a city
reaches hundreds of zones, and one Python object per zone at each step was most of the time of
a report that re-predicts or warns.

The rules are :func:`tanbih.domain.warning.decide_warnings`'s, which stays the reference:
:class:`Decide` gives the same changes and review time (the unit tests compare the two on many
random cases). ETAs are whole microseconds, as a ``datetime`` holds them, so both compare the
same integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import repeat

import numba
import numpy as np
import numpy.typing as npt

from tanbih.domain.lifecycle import Stage
from tanbih.domain.threat import ZoneExposure
from tanbih.domain.warning import WarningTiming
from tanbih.geo.prediction import Arrivals
from tanbih.geo.zone_index import Indices, ZoneIndex

Micros = npt.NDArray[np.int64]
# A stage per zone of the index: Stage's own values, 0 (never warned) for most.
Codes = npt.NDArray[np.int8]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_EARLY_WARNING, _TAKE_SHELTER, _ALL_CLEAR = (
    int(Stage.EARLY_WARNING),
    int(Stage.TAKE_SHELTER),
    int(Stage.ALL_CLEAR),
)


def micros(moment: datetime) -> int:
    """``moment`` in whole microseconds since the epoch."""
    return (moment - EPOCH) // _MICROSECOND


def moment_of(us: int) -> datetime:
    """The UTC moment ``us`` microseconds after the epoch."""
    return EPOCH + timedelta(microseconds=us)


@dataclass(frozen=True, slots=True)
class Exposed:
    """A threat's exposures as columns: each zone's position in ``index.zones`` and its ETA
    (microseconds since the epoch), by ETA then zone id."""

    index: ZoneIndex
    zone: Indices
    eta_us: Micros

    @classmethod
    def nothing(cls, index: ZoneIndex) -> Exposed:
        """No zone exposed (a threat that ended)."""
        return cls(index, np.empty(0, dtype=np.intp), np.empty(0, dtype=np.int64))

    @classmethod
    def of(cls, index: ZoneIndex, arrivals: Arrivals, now: datetime) -> Exposed:
        """The arrivals predicted at ``now``, at whole microseconds."""
        eta = micros(now) + np.rint(arrivals.offset_s * 1e6).astype(np.int64)
        zone = arrivals.zone
        # Offsets apart by less than a microsecond may now tie: by zone id then. Rarely so:
        # the arrivals' own order (by offset, then zone id) is kept unless it is not that.
        rank, later = index.id_rank[zone], eta[1:]
        if ((later < eta[:-1]) | ((later == eta[:-1]) & (rank[1:] < rank[:-1]))).any():
            order = np.lexsort((rank, eta))
            return cls(index, zone[order], eta[order])
        return cls(index, zone, eta)

    def exposures(self) -> tuple[ZoneExposure, ...]:
        """The same as domain values, for those who read them one by one (the API)."""
        etas = map(EPOCH.__add__, map(timedelta, repeat(0), repeat(0), self.eta_us.tolist()))
        return self.index.exposures(self.zone, etas)


def no_stages(index: ZoneIndex) -> Codes:
    """Every zone of ``index`` never warned."""
    return np.zeros(len(index.zones), dtype=np.int8)


def stage_map(index: ZoneIndex, codes: Codes) -> dict[str, Stage]:
    """The stages as the domain holds them: by zone id, the zones ever warned."""
    warned = np.flatnonzero(codes)
    return dict(
        zip(index.zone_ids[warned].tolist(), map(Stage, codes[warned].tolist()), strict=True)
    )


@dataclass(frozen=True, slots=True)
class ColumnDecision:
    """:class:`~tanbih.domain.warning.WarningDecision` on columns: the stages once applied,
    the zones whose stage changed (positions, by zone id) and when to decide again."""

    stages: Codes
    changed: Indices
    review_us: int | None

    @property
    def review_at(self) -> datetime | None:
        """When to decide again if nothing is reported."""
        return None if self.review_us is None else moment_of(self.review_us)

    @property
    def shelters(self) -> bool:
        """Whether some zone is told to take shelter now."""
        return bool((self.stages[self.changed] == _TAKE_SHELTER).any())

    @property
    def cleared(self) -> Indices:
        """The zones given the all clear now, by zone id."""
        changed = self.changed
        cleared: Indices = changed[self.stages[changed] == _ALL_CLEAR]
        return cleared


class Decide:
    """:func:`~tanbih.domain.warning.decide_warnings` over a zone index's columns."""

    def __init__(self, index: ZoneIndex, timing: WarningTiming) -> None:
        self._rank = index.id_rank
        seconds = index.zone_shelter_seconds.astype(np.int64)
        # Each zone's lead: time to shelter + margin.
        self._lead_us = seconds * 1_000_000 + timing.margin // _MICROSECOND
        self._horizon_us = timing.horizon // _MICROSECOND
        # Compiled now (from numba's cache after the first time), not in the first decision.
        self(Exposed.nothing(index), no_stages(index), EPOCH, threat_ended=False)

    def __call__(
        self, exposed: Exposed, stages: Codes, now: datetime, *, threat_ended: bool
    ) -> ColumnDecision:
        """The stage changes due at ``now`` and the next time one may be (module doc)."""
        zone, eta = exposed.zone, exposed.eta_us
        if threat_ended:
            zone, eta = zone[:0], eta[:0]
        after, changed, review = _decide(
            zone, eta, stages, self._lead_us, self._horizon_us, micros(now)
        )
        ordered: Indices = changed[np.argsort(self._rank[changed], kind="stable")]
        return ColumnDecision(after, ordered, None if review == _NO_REVIEW else int(review))


def _decide_loop(
    zone: Indices, eta: Micros, stages: Codes, lead: Micros, horizon: int, now: int
) -> tuple[Codes, Indices, int]:
    """:meth:`Decide.__call__` in one pass over the zones (compiled below), rule for rule as
    ``decide_warnings``: the stages after, the zones changed (in no order), the review time
    (``_NO_REVIEW`` for none). A threat that ended has no zone exposed."""
    after = stages.copy()
    changed = np.empty(stages.size, dtype=np.intp)
    count = 0
    exposed = np.zeros(stages.size, dtype=np.bool_)
    for i in range(zone.size):
        exposed[zone[i]] = True
    for z in range(stages.size):
        if (stages[z] == _EARLY_WARNING or stages[z] == _TAKE_SHELTER) and not exposed[z]:
            after[z] = _ALL_CLEAR  # off the path, or the threat ended
            changed[count] = z
            count += 1
    review = _NO_REVIEW
    for i in range(zone.size):
        z = zone[i]
        before = stages[z]
        if before == _TAKE_SHELTER:
            continue  # never back to early warning while the threat lasts; nothing more due
        threshold = eta[i] - lead[z]
        if threshold <= now:
            after[z] = _TAKE_SHELTER
            changed[count] = z
            count += 1
            continue
        if before != _EARLY_WARNING:
            early = eta[i] - horizon
            if early <= now:
                after[z] = _EARLY_WARNING
                changed[count] = z
                count += 1
            elif early < threshold:
                threshold = early
        review = min(review, threshold)
    return after, changed[:count], review


_NO_REVIEW = np.iinfo(np.int64).max
_decide = numba.njit(cache=True)(_decide_loop)

"""The assess stage: from partners' observations to staged CAP warnings.

::

    observation ─► dedupe by id ─► fuse ─► predict zone exposures ─► decide stages ─► issue CAP
    review timer ─► end lost threats, raise zones now due ─────────► decide stages ─► issue CAP

Issued messages go to ``publish`` (the accept stage, as the node's own messages), exactly like
alerts posted by partners, in the order issued; the threat state is not held while they are
stored, and a report that issued nothing does not wait for them. The assessor keeps the live
threats in memory (:class:`~tanbih.pipeline.tracked_threat.TrackedThreat`); the stored timer
for its next review is ``next_review``. A report that keeps to its threat's last prediction
reuses it (:mod:`tanbih.pipeline.prediction_reuse`), and early-warning changes wait to be
gathered (:mod:`tanbih.pipeline.coalesce`).
"""

from __future__ import annotations

import asyncio
import heapq
import uuid
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Zone
from tanbih.domain.expiry import BoundingBox, expire, not_seen_deadline
from tanbih.domain.fusion import Association, Threat, fuse
from tanbih.domain.issuance import IssuancePolicy, WarningThread, issue_stages
from tanbih.domain.observation import Observation
from tanbih.domain.threat import Geodesy
from tanbih.domain.warning import WarningTiming
from tanbih.geo.prediction import compile_now, predict_arrivals
from tanbih.geo.zone_index import ZoneIndex
from tanbih.pipeline.coalesce import held_until
from tanbih.pipeline.message_columns import ZoneMessages
from tanbih.pipeline.prediction_reuse import keeps_course
from tanbih.pipeline.tracked_threat import TrackedThreat
from tanbih.pipeline.zone_columns import Decide, Exposed, no_stages

Publish = Callable[[Alert], Awaitable[None]]
# A threat this far outside every zone can reach none within a warning horizon: it has left.
REGION_MARGIN_DEG = 10.0
# How long a report id is remembered to drop resent copies: longer than any report may be old.
SEEN_FOR = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Assessment:
    """What one observation did: the threat it joined, how, and the messages it caused."""

    threat_id: str
    association: Association
    issued: tuple[Alert, ...]
    duplicate: bool = False


def new_threat_id() -> str:
    """A fresh threat id, safe inside CAP identifiers."""
    return "t" + uuid.uuid4().hex[:16]


class Assessor:
    """Keeps the live threats and turns observations and review times into warnings."""

    def __init__(
        self,
        *,
        zones: Mapping[str, Zone],
        index: ZoneIndex,
        geodesy: Geodesy,
        policy: IssuancePolicy,
        publish: Publish,
        region: BoundingBox,
        timing: WarningTiming | None = None,
        make_id: Callable[[], str] = new_threat_id,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        # Built now, the zones' areas are not built inline by the first warnings, and a
        # long-running node freezes them out of the collector's sight with the rest of start-up.
        self._messages = ZoneMessages(index, zones, policy.languages)
        # Likewise the prediction's compiled loop: the first threat does not wait for it.
        compile_now(index)
        self._index = index
        self._geodesy = geodesy
        self._policy = policy
        self._publish = publish
        self._region = region
        self._timing = timing or WarningTiming()
        self._decide = Decide(index, self._timing)
        self._no_stages = no_stages(index)
        self._nothing = Exposed.nothing(index)
        self._make_id = make_id
        # The id the next new threat takes: made when one is taken, not for every report.
        self._spare_id = make_id()
        self._on_change = on_change
        self._tracked: dict[str, TrackedThreat] = {}
        # Kept beside ``_tracked`` so an observation costs no scan of every threat.
        self._live: dict[str, Threat] = {}
        self._by_track: dict[tuple[str, str], str] = {}
        # (review_at, threat id) of every tracked threat, and stale entries: next_review drops
        # those when they come first, instead of scanning every threat.
        self._reviews: list[tuple[datetime, str]] = []
        # Live threats every review looks at though no time of theirs came: those whose review
        # time comes after they would be presumed lost, or never (reported after that moment),
        # and those outside the region (only they can have left it). Every other threat ends
        # at a time of its own.
        self._watched: set[str] = set()
        self._seen: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        # Messages issued and not yet through ``publish``, oldest first (see _publish_issued).
        self._outbox: deque[Alert] = deque()
        self._publishing = asyncio.Lock()

    @property
    def tracked(self) -> tuple[TrackedThreat, ...]:
        """The threats assessed so far that still matter (live, or with warnings standing)."""
        return tuple(self._tracked.values())

    def next_review(self) -> datetime | None:
        """When ``review`` next has something to do (a zone coming due or a threat to end)."""
        reviews = self._reviews
        while reviews:
            at, threat_id = reviews[0]
            tracked = self._tracked.get(threat_id)
            if tracked is not None and tracked.review_at == at:
                return at
            heapq.heappop(reviews)  # a time since replaced, or a threat no longer tracked
        return None

    async def observe(self, obs: Observation, now: datetime) -> Assessment:
        """Fuse ``obs`` (already validated) and issue whatever warnings change.

        Returns once the messages it caused went through ``publish``; one that caused none
        returns without waiting for others' messages to be published.
        """
        # Up to the messages nothing is awaited, so observations and reviews each read and
        # replace the threat state whole, one at a time, without a lock.
        self._forget_seen(now)
        seen_key = (obs.partner_id, obs.id)
        if seen_key in self._seen:
            return Assessment("", Association.NEW, (), duplicate=True)
        self._seen[seen_key] = now
        fused = fuse(self._candidates(obs), obs, now, self._geodesy, self._spare_id)
        if fused.is_new:
            self._spare_id = self._make_id()
        previous = self._tracked.get(fused.threat.id)
        issued = self._assess(fused.threat, previous, now)
        if issued:
            await self._publish_issued(issued)
        return Assessment(fused.threat.id, fused.association, issued)

    async def review(self, now: datetime) -> tuple[Alert, ...]:
        """Raise the zones that came due and end the threats lost from sight, in the order of
        their review times.

        Only the threats whose review time came are looked at, and those ``_watched``: a live
        threat has a review time at the latest when it would be presumed lost, unless that time
        had passed when it was reported. Also publishes any message left unpublished by an
        earlier failure.
        """
        due = self._due(now)
        looked_at = due | {i: self._tracked[i] for i in self._watched}
        live = {i: t.threat for i, t in looked_at.items() if t.threat.is_live}
        ended = {t.id: t for t in expire(live, now, self._geodesy, self._region.contains)}
        issued: list[Alert] = []
        for threat_id, tracked in looked_at.items():
            if threat_id in ended or threat_id in due:
                issued.extend(self._assess(ended.get(threat_id, tracked.threat), tracked, now))
        await self._publish_issued(issued)
        return tuple(issued)

    def _due(self, now: datetime) -> dict[str, TrackedThreat]:
        """The tracked threats whose review time is ``now`` or earlier, taken off the heap."""
        reviews, due = self._reviews, {}
        while reviews and reviews[0][0] <= now:
            at, threat_id = heapq.heappop(reviews)
            tracked = self._tracked.get(threat_id)
            # Stale entries (a time since replaced, a threat no longer tracked) are dropped;
            # a time pushed twice is taken once.
            if tracked is not None and tracked.review_at == at:
                due[threat_id] = tracked
        return due

    async def _publish_issued(self, issued: Sequence[Alert]) -> None:
        """Put ``issued`` through ``publish``, after every message issued before them.

        The threat state is free meanwhile: other reports are assessed while the accept stage
        stores these. A message whose publication failed (the error reaches its caller) stays
        first in line, and the next caller publishes it again before its own.
        """
        self._outbox.extend(issued)
        async with self._publishing:
            while self._outbox:
                await self._publish(self._outbox[0])
                self._outbox.popleft()

    def _assess(
        self, threat: Threat, previous: TrackedThreat | None, now: datetime
    ) -> tuple[Alert, ...]:
        """Decide and issue for ``threat`` at ``now``; the messages are left to publish."""
        stages = previous.zone_stages if previous else self._no_stages
        thread = previous.thread if previous else WarningThread(threat.id)
        exposed = self._nothing
        predicted_from = None
        eta_parameters = None
        if (
            threat.is_live
            and previous is not None
            and keeps_course(previous, threat, self._geodesy)
        ):
            due = previous.review_at
            if due is None or now < due:
                # Same exposures, nothing come due: no stage can change. Keep the new state
                # (built whole: dataclasses.replace would cost more than the rest of this path).
                kept = TrackedThreat(
                    threat,
                    previous.zone_stages,
                    previous.exposed,
                    previous.thread,
                    previous.review_at,
                    previous.last_issued,
                    previous.predicted_from,
                    previous.eta_parameters,
                )
                self._remember(kept, threat)
                return ()
            exposed, predicted_from = previous.exposed, previous.predicted_from
            eta_parameters = previous.eta_parameters
        elif threat.is_live:
            arrivals = predict_arrivals(
                threat.state,
                threat.threat_class,
                threat.impact,
                self._index,
                horizon_s=self._timing.horizon.total_seconds(),
                now=now,
            )
            exposed = Exposed.of(self._index, arrivals, now)
            predicted_from = threat.state
        decision = self._decide(exposed, stages, now, threat_ended=not threat.is_live)
        last_issued = previous.last_issued if previous else None
        held = held_until(decision, threat, last_issued, now)
        if held is not None:
            review_at = _earliest(decision.review_at, held, self._lost_at(threat, now))
            waiting = TrackedThreat(
                threat,
                stages,
                exposed,
                thread,
                review_at,
                last_issued,
                predicted_from,
                eta_parameters,
            )
            self._remember(waiting, threat)
            self._on_change()
            return ()
        issue = None
        if decision.changed.size:
            if eta_parameters is None:
                eta_parameters = self._messages.eta_parameters(exposed)
            groups = self._messages.stage_zones(
                exposed, eta_parameters, decision.stages, decision.cleared
            )
            issue = issue_stages(threat, groups, thread, now, self._policy)
        issued: tuple[Alert, ...] = ()
        if issue is not None:
            thread, issued, last_issued = issue.thread, (issue.alert,), now
        review_at = _earliest(decision.review_at, self._lost_at(threat, now))
        tracked = TrackedThreat(
            threat,
            decision.stages,
            exposed,
            thread,
            review_at,
            last_issued,
            predicted_from,
            eta_parameters,
        )
        standing = any(message.expires > now for message in thread.chain)
        self._remember(tracked if threat.is_live or standing else None, threat)
        # The review timer may now be due sooner.
        self._on_change()
        return issued

    def _lost_at(self, threat: Threat, now: datetime) -> datetime | None:
        """When a live threat ends if no report comes: a review must happen then even if no
        zone comes due (a loitering drone's zones all in shelter, a threat with no zones).

        A time already past (a replayed or much delayed report) schedules nothing: such a
        threat ends at whichever review comes next, as any lost one does (see ``_watched``).
        Later reports of a replayed batch, assessed before that review, keep it alive.
        """
        if not threat.is_live:
            return None
        lost_at = not_seen_deadline(threat, self._geodesy)
        return lost_at if lost_at > now else None

    def _forget_seen(self, now: datetime) -> None:
        horizon = now - SEEN_FOR
        while self._seen and next(iter(self._seen.values())) < horizon:
            self._seen.popitem(last=False)

    def _candidates(self, obs: Observation) -> Mapping[str, Threat]:
        """The threats ``obs`` may belong to: the one holding its track id, else every live one."""
        threat_id = None
        if obs.track_id is not None:
            threat_id = self._by_track.get((obs.partner_id, obs.track_id))
        if threat_id is not None:
            threat = self._live.get(threat_id)
            if threat is not None and threat.status == obs.status:
                return {threat_id: threat}
        return self._live

    def _remember(self, tracked: TrackedThreat | None, threat: Threat) -> None:
        """Keep the indexes beside ``_tracked`` in step with it."""
        if tracked is None:
            self._tracked.pop(threat.id, None)
        else:
            before = self._tracked.get(threat.id)
            self._tracked[threat.id] = tracked
            at = tracked.review_at
            if at is not None and (before is None or before.review_at != at):
                self._schedule(at, threat.id)
        if threat.is_live and tracked is not None:
            self._live[threat.id] = threat
            for ref in threat.tracks:
                self._by_track[(ref.partner_id, ref.track_id)] = threat.id
            at, state = tracked.review_at, threat.state
            lost_unseen = at is None or at > not_seen_deadline(threat, self._geodesy)
            if lost_unseen or not self._region.contains(state.lat, state.lon):
                self._watched.add(threat.id)
            else:
                self._watched.discard(threat.id)
        else:
            self._live.pop(threat.id, None)
            self._watched.discard(threat.id)
            for ref in threat.tracks:
                if self._by_track.get((ref.partner_id, ref.track_id)) == threat.id:
                    del self._by_track[(ref.partner_id, ref.track_id)]

    def _schedule(self, at: datetime, threat_id: str) -> None:
        reviews = self._reviews
        if len(reviews) > 2 * len(self._tracked) + 64:
            # Mostly stale: start again from the threats' current times.
            reviews[:] = [
                (t.review_at, i) for i, t in self._tracked.items() if t.review_at is not None
            ]
            heapq.heapify(reviews)
            return
        heapq.heappush(reviews, (at, threat_id))

    def threat(self, threat_id: str) -> TrackedThreat | None:
        """One tracked threat by id."""
        return self._tracked.get(threat_id)


def _earliest(*times: datetime | None) -> datetime | None:
    return min(filter(None, times), default=None)

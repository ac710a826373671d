"""The assess stage: from partners' observations to staged CAP warnings.

::

    observation ─► dedupe by id ─► fuse ─► predict zone exposures ─► decide stages ─► issue CAP
    review timer ─► end lost threats, raise zones now due ─────────► decide stages ─► issue CAP

Issued messages go to ``publish`` (the accept stage, as the node's own messages), exactly like
alerts posted by partners. The assessor keeps the live threats in memory; the stored timer for
its next review is ``next_review``.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Zone
from tanbih.domain.expiry import BoundingBox, expire
from tanbih.domain.fusion import Association, Threat, fuse
from tanbih.domain.issuance import IssuancePolicy, WarningThread, issue_warning
from tanbih.domain.lifecycle import Stage
from tanbih.domain.observation import Observation
from tanbih.domain.threat import Geodesy, ZoneExposure
from tanbih.domain.warning import WarningTiming, decide_warnings, stages_after
from tanbih.geo.prediction import predict_exposures
from tanbih.geo.zone_index import ZoneIndex

Publish = Callable[[Alert], Awaitable[None]]
# How long a report id is remembered to drop resent copies: longer than any report may be old.
SEEN_FOR = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class TrackedThreat:
    """A threat with what the assessment remembers of it between observations."""

    threat: Threat
    stages: Mapping[str, Stage]
    exposures: tuple[ZoneExposure, ...]
    thread: WarningThread
    review_at: datetime | None


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
        self._zones = zones
        self._index = index
        self._geodesy = geodesy
        self._policy = policy
        self._publish = publish
        self._region = region
        self._timing = timing or WarningTiming()
        self._make_id = make_id
        self._on_change = on_change
        self._tracked: dict[str, TrackedThreat] = {}
        self._seen: dict[tuple[str, str], datetime] = {}
        # One observation or review at a time: each reads and replaces the whole threat state.
        self._lock = asyncio.Lock()

    @property
    def tracked(self) -> tuple[TrackedThreat, ...]:
        """The threats assessed so far that still matter (live, or with warnings standing)."""
        return tuple(self._tracked.values())

    def next_review(self) -> datetime | None:
        """When ``review`` next has something to do (a zone coming due or a threat to end)."""
        times = [t.review_at for t in self._tracked.values() if t.review_at is not None]
        return min(times, default=None)

    async def observe(self, obs: Observation, now: datetime) -> Assessment:
        """Fuse ``obs`` (already validated) and issue whatever warnings change."""
        async with self._lock:
            self._forget_seen(now)
            seen_key = (obs.partner_id, obs.id)
            if seen_key in self._seen:
                return Assessment("", Association.NEW, (), duplicate=True)
            self._seen[seen_key] = now
            live = {k: t.threat for k, t in self._tracked.items() if t.threat.is_live}
            fused = fuse(live, obs, now, self._geodesy, self._make_id())
            previous = self._tracked.get(fused.threat.id)
            issued = await self._assess(fused.threat, previous, now)
            return Assessment(fused.threat.id, fused.association, issued)

    async def review(self, now: datetime) -> tuple[Alert, ...]:
        """End threats lost from sight or from the region, and raise zones that came due."""
        async with self._lock:
            live = {k: t.threat for k, t in self._tracked.items() if t.threat.is_live}
            ended = {t.id: t for t in expire(live, now, self._geodesy, self._region.contains)}
            issued: list[Alert] = []
            for threat_id, tracked in list(self._tracked.items()):
                threat = ended.get(threat_id, tracked.threat)
                due = tracked.review_at is not None and tracked.review_at <= now
                if threat_id in ended or due:
                    issued.extend(await self._assess(threat, tracked, now))
            return tuple(issued)

    async def _assess(
        self, threat: Threat, previous: TrackedThreat | None, now: datetime
    ) -> tuple[Alert, ...]:
        stages = previous.stages if previous else {}
        thread = previous.thread if previous else WarningThread(threat.id)
        exposures: tuple[ZoneExposure, ...] = ()
        if threat.is_live:
            exposures = predict_exposures(
                threat.state,
                threat.threat_class,
                threat.impact,
                self._index,
                horizon_s=self._timing.horizon.total_seconds(),
                now=now,
            )
        decision = decide_warnings(
            exposures, stages, now, threat_ended=not threat.is_live, timing=self._timing
        )
        after = stages_after(stages, decision)
        issue = issue_warning(
            threat, decision.changes, after, exposures, self._zones, thread, now, self._policy
        )
        issued: tuple[Alert, ...] = ()
        if issue is not None:
            await self._publish(issue.alert)
            thread, issued = issue.thread, (issue.alert,)
        tracked = TrackedThreat(threat, after, exposures, thread, decision.review_at)
        if threat.is_live or any(message.expires > now for message in thread.chain):
            self._tracked[threat.id] = tracked
        else:
            self._tracked.pop(threat.id, None)
        # The review timer may now be due sooner.
        self._on_change()
        return issued

    def _forget_seen(self, now: datetime) -> None:
        horizon = now - SEEN_FOR
        for key in [k for k, at in self._seen.items() if at < horizon]:
            del self._seen[key]

    def threat(self, threat_id: str) -> TrackedThreat | None:
        """One tracked threat by id."""
        return self._tracked.get(threat_id)

"""Who assesses the reports a node keeps: at once in one process, or one worker in order.

A node in one process assesses each report as it is kept (:class:`DirectAssessment`). A node
of several workers must not: each worker would hold a threat picture of its own, and reports
of one object posted to different workers would be fused apart and warned of twice. There
every worker only keeps reports in the observation log; the one worker holding the assessor's
lease follows the log in order and assesses each report (:class:`FollowTheLog`), writing what
it made of it beside it, where the worker that took the report reads it to answer
(:class:`LoggedAssessment`).

A worker that takes the lease over starts from the report after the last one with an outcome
(skipping those too old to fuse by now) with an empty picture, as a restarted node would.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Protocol

from tanbih.domain.observation import DEFAULT_MAX_AGE, Observation, observation_problems
from tanbih.domain.records import QUEUED, LoggedObservation, ObservationOutcome, alert_id
from tanbih.pipeline.assess import Assessor
from tanbih.pipeline.waiting import either
from tanbih.ports import AssessorLease, Clock, ObservationLog

log = logging.getLogger(__name__)

# Reports assessed between two writes of their outcomes.
PAGE = 64
# Without news from the database, the assessor looks at the log at least this often.
POLL_SECONDS = 1.0
# How often a worker without the lease tries to take it: the takeover time after a death.
TAKE_EVERY_SECONDS = 0.5
# How long the worker that took a report waits for the assessor's outcome before it answers
# ``queued`` (the report is kept: it will be assessed).
OUTCOME_WAIT = timedelta(seconds=3)
# Without news of outcomes written, a waiting request looks again this often.
_OUTCOME_POLL_S = 0.25
STALE = ObservationOutcome(None, "stale")
# How often the assessing worker keeps its threat picture for the other workers to show.
PICTURE_SECONDS = 1.0


class Assessment(Protocol):
    """What a node does with reports once they are in its observation log."""

    async def posted(self, reports: Sequence[Observation]) -> list[ObservationOutcome]:
        """Reports posted to this node, new in the log: what the assessment made of each."""
        ...

    async def received(self, report: Observation) -> None:
        """A fresh report a peer sent, new in the log."""
        ...


class DirectAssessment:
    """One process: every report is assessed as it is kept."""

    def __init__(self, assessor: Assessor, clock: Clock) -> None:
        self._assessor = assessor
        self._clock = clock

    async def posted(self, reports: Sequence[Observation]) -> list[ObservationOutcome]:
        """Assess each report in turn."""
        return [await assess(self._assessor, report, self._clock) for report in reports]

    async def received(self, report: Observation) -> None:
        """Assess the report."""
        await assess(self._assessor, report, self._clock)


class LoggedAssessment:
    """Several workers: the assessing worker follows the log; this one waits for its outcome."""

    def __init__(self, log_: ObservationLog, wait: timedelta = OUTCOME_WAIT) -> None:
        self._log = log_
        self._wait = wait.total_seconds()
        # Replaced by a fresh event at each announcement: setting the old one wakes every
        # request waiting, however many.
        self._outcomes_written = asyncio.Event()
        self.assessing = False
        """Whether this worker holds the assessor's lease: its threat picture is the node's."""

    def lease_changed(self, held: bool) -> None:
        """This worker took the assessor's lease (``True``) or gave it up."""
        self.assessing = held

    def outcomes_written(self) -> None:
        """The assessing worker wrote outcomes (heard from the database): look again."""
        written, self._outcomes_written = self._outcomes_written, asyncio.Event()
        written.set()

    async def posted(self, reports: Sequence[Observation]) -> list[ObservationOutcome]:
        """The assessor's outcome of each report, or ``queued`` for one it has not reached."""
        keys = [(report.partner_id, report.id) for report in reports]
        found: dict[tuple[str, str], ObservationOutcome] = {}
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._wait):
                while True:
                    # Taken before reading: outcomes written after the read wake this request.
                    written = self._outcomes_written
                    missing = [key for key in keys if key not in found]
                    found.update(await self._log.observation_outcomes(missing))
                    if len(found) == len(set(keys)):
                        break
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(written.wait(), _OUTCOME_POLL_S)
        return [found.get(key, QUEUED) for key in keys]

    async def received(self, report: Observation) -> None:
        """Nothing: the assessing worker finds it in the log."""


async def assess(assessor: Assessor, report: Observation, clock: Clock) -> ObservationOutcome:
    """Fuse and assess one report; what became of it."""
    outcome = await assessor.observe(report, clock.now())
    if outcome.duplicate:
        return ObservationOutcome(None, "duplicate")
    issued = tuple(alert_id(a.sender, a.identifier) for a in outcome.issued)
    return ObservationOutcome(outcome.threat_id, outcome.association.value, issued)


class FollowTheLog:
    """The assessing worker's loop: hold the lease, assess the log in order (module doc)."""

    def __init__(
        self,
        log_: ObservationLog,
        assessor: Assessor,
        lease: AssessorLease,
        clock: Clock,
        lease_changed: Callable[[bool], None] = lambda _: None,
        picture: Callable[[], str] | None = None,
    ) -> None:
        self._log = log_
        self._assessor = assessor
        self._lease = lease
        self._clock = clock
        self._lease_changed = lease_changed
        self._picture = picture
        self._pictured_at = -math.inf

    async def run(self, stop: asyncio.Event) -> None:
        """Take the lease whenever it is free, and follow the log while holding it."""
        while not stop.is_set():
            if await self._lease.take():
                log.info("this worker assesses the observation log")
                self._lease_changed(True)
                try:
                    await self._follow(stop)
                finally:
                    self._lease_changed(False)
                    await self._lease.release()
                log.info("this worker no longer assesses the observation log")
            await either(stop, stop, TAKE_EVERY_SECONDS)

    async def _follow(self, stop: asyncio.Event) -> None:
        cursor: int | None = None
        while not stop.is_set():
            self._lease.news.clear()
            page: list[LoggedObservation] = []
            try:
                if cursor is None:
                    cursor = await self._start()
                page = await self._log.observations_after(cursor, PAGE)
                cursor = await self._assess_page(page, stop) or cursor
                await self._keep_picture()
            except Exception:
                # A report that failed is not lost: its warning waits in the assessor's queue
                # and goes out with the next; the report itself now reads as a duplicate.
                log.exception("assessing the observation log failed; trying again")
                page = []
            if stop.is_set() or not await self._lease.holds():
                return
            if len(page) < PAGE:
                await either(self._lease.news, stop, POLL_SECONDS)

    async def _keep_picture(self) -> None:
        """Keep the threat picture in the log for the other workers, at most once a
        ``PICTURE_SECONDS`` (the loop comes by at least once a ``POLL_SECONDS``)."""
        if self._picture is None or time.monotonic() - self._pictured_at < PICTURE_SECONDS:
            return
        await self._log.save_picture(self._picture())
        self._pictured_at = time.monotonic()

    async def _assess_page(self, page: list[LoggedObservation], stop: asyncio.Event) -> int | None:
        """Assess the reports of ``page`` in order, then write their outcomes at once (also
        those done before a failure); the last one's ``seq``."""
        done: list[tuple[int, ObservationOutcome]] = []
        try:
            for entry in page:
                done.append((entry.seq, await self._assess(entry)))
                if stop.is_set():
                    break
        finally:
            await self._log.save_outcomes(done)
        return done[-1][0] if done else None

    async def _start(self) -> int:
        """After the last report assessed, or the last one too old to be assessed now."""
        last = await self._log.last_assessed()
        head = await self._log.observation_head()  # read first: what comes after is assessed
        fresh = await self._log.first_observation_since(self._clock.now() - DEFAULT_MAX_AGE)
        return max(last, head if fresh is None else fresh - 1)

    async def _assess(self, entry: LoggedObservation) -> ObservationOutcome:
        report = entry.observation
        if observation_problems(report, self._clock.now()):
            return STALE
        return await assess(self._assessor, report, self._clock)

"""The runner: a node of the scenario's coalition, built by the composition root like any
other, on the exercise's clock, with the scenario's injects played into it.

::

    timeline (sensors' reports, messages, replayed log)
        ─► each tick: inject what is due ─► the node's own stages (observe/assess, accept,
           route, outbox, dispatch, escalate) ─► simulated partners behind the channels
           ─► duty officers answer ─► (fast-forward) wait until the node is quiet, jump on
        ─► the record: deliveries, warnings, acknowledgements; scored afterwards

Reports go through the same steps as ``POST /api/v1/observations`` (check, keep, assess) and
messages through the accept stage as the API calls it; nothing bypasses the pipeline.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tanbih import cap
from tanbih.domain.cap import MsgType
from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery
from tanbih.domain.observation import observation_problems
from tanbih.domain.records import AlertQuery, AlertRecord
from tanbih.exercise.channels import ExerciseChannel
from tanbih.exercise.clock import ExerciseClock
from tanbih.exercise.faults import Faults
from tanbih.exercise.injects import AlertInject, ObservationInject, Timeline, timeline
from tanbih.exercise.people import DutyOfficers
from tanbih.exercise.record import AckRecord, DeliveryRecord, InjectRecord, RunRecord
from tanbih.exercise.responses import ResponseDesk, capability_injects, case_records
from tanbih.exercise.scenario import Scenario
from tanbih.exercise.warnings import warnings_of
from tanbih.node import Node, start_node
from tanbih.pipeline.accept import Accepted, AlreadyKnown
from tanbih.pipeline.notify_plan import REDACTED, WITHHELD
from tanbih.ports import Channel
from tanbih.settings import Settings

RELEASE_KINDS = frozenset({REDACTED, WITHHELD})
EXERCISE_NODE_SECRET = "tanbih-exercise-node-secret-not-for-real-use"  # noqa: S105
Progress = Callable[[float, RunRecord], None]


@dataclass(frozen=True, slots=True)
class RunOptions:
    """How to run: ``speed`` × real time, or as fast as possible (``speed`` None)."""

    speed: float | None = None
    tick_s: float = 1.0
    settle_timeout_s: float = 30.0
    signing_key: Path | None = None


@dataclass(frozen=True, slots=True)
class RunResult:
    """A finished run: what went in and what the node did."""

    scenario: Scenario
    timeline: Timeline
    record: RunRecord
    alerts: tuple[AlertRecord, ...]


async def run_scenario(
    scenario: Scenario,
    data_dir: Path,
    options: RunOptions = RunOptions(),
    progress: Progress | None = None,
) -> RunResult:
    """Run ``scenario`` on a fresh node whose store lives in ``data_dir``."""
    began = time.monotonic()
    plan = timeline(scenario)
    record = RunRecord()
    start = scenario.start
    clock = ExerciseClock(start, options.speed or 1.0)
    faults = Faults(tuple(scenario.file.faults), scenario.file.duration_s)
    people = DutyOfficers(scenario.file.actions, start)
    desk = ResponseDesk(people, scenario.file.actions, start)

    def reached(delivery_record: DeliveryRecord, delivery: Delivery) -> None:
        record.deliveries.append(delivery_record)
        people.reached(delivery_record, delivery)

    def wrap(kind: ChannelKind, inner: Channel) -> Channel:
        return ExerciseChannel(
            kind, inner, clock=clock, start=start, faults=faults, reached=reached
        )

    settings = Settings(
        coalition_file=scenario.coalition_path,
        data_dir=data_dir,
        node_secret=EXERCISE_NODE_SECRET,
        signing_key=options.signing_key,
    )
    node = await start_node(settings, clock, wrap_channel=wrap)
    clock.run()
    try:
        await _play(node, scenario, plan, record, people, desk, clock, options, progress)
        alerts = await _all_alerts(node)
        record.cases = await case_records(node)
        record.releases = await _releases(node)
        record.warnings = warnings_of(alerts)
        record.acks = await _acks(node, alerts)
    finally:
        await node.close()
    record.wall_s = time.monotonic() - began
    return RunResult(scenario, plan, record, alerts)


async def _play(
    node: Node,
    scenario: Scenario,
    plan: Timeline,
    record: RunRecord,
    people: DutyOfficers,
    desk: ResponseDesk,
    clock: ExerciseClock,
    options: RunOptions,
    progress: Progress | None,
) -> None:
    start, duration = scenario.start, scenario.file.duration_s
    pending = list(plan.injects)
    switches = capability_injects(scenario.file.actions)
    t = 0.0
    while t <= duration:
        target = start + timedelta(seconds=t)
        if options.speed is None:
            clock.jump_to(target)
        else:
            wait = (target - clock.now()).total_seconds() / options.speed
            if wait > 0:
                await asyncio.sleep(wait)  # real time: people in the console take part
        now_s = (clock.now() - start).total_seconds()
        due = [i for i in pending if i.at_s <= now_s]
        pending = pending[len(due) :]
        while switches and switches[0].at_s <= now_s:
            await desk.switch(node, switches.pop(0), record)
        await _inject(node, due, record, clock)
        await _answer(node, people, record)
        _wake(node)
        if options.speed is None:
            if not await _settle(node, people, record, options):
                record.unsettled.append(f"{now_s:.0f} s")
            request_due = await desk.answer(node, record)
            t = await _next_moment(node, people, pending, now_s, options.tick_s, start)
            if request_due is not None:
                t = min(t, max((request_due - start).total_seconds(), now_s + 0.001))
            if switches:
                t = min(t, max(switches[0].at_s, now_s + 0.001))
        else:
            await desk.answer(node, record)
            t += options.tick_s
        if progress is not None:
            progress(min(now_s / duration, 1.0), record)


async def _next_moment(
    node: Node,
    people: DutyOfficers,
    pending: list[ObservationInject | AlertInject],
    now_s: float,
    tick_s: float,
    start: datetime,
) -> float:
    """Fast-forward: the next moment anything can happen, in seconds after the start.

    The next inject, review, answer or escalation step; while a notification waits for a
    retry, no further than one tick (its due time is the dispatcher's own).
    """
    candidates = [now_s + 3600.0]
    if pending:
        candidates.append(pending[0].at_s)
    now = start + timedelta(seconds=now_s)
    review, answer = node.assessor.next_review(), people.next_due()
    timers = await node.store.due_timers(now + timedelta(days=1), 1)
    for moment in (review, answer, timers[0].next_due_at if timers else None):
        if moment is not None:
            candidates.append((moment - start).total_seconds())
    if await node.store.queue_depth(now + timedelta(hours=1)) > 0:
        candidates.append(now_s + tick_s)
    return max(min(candidates), now_s + 0.001)


async def _inject(
    node: Node,
    due: list[ObservationInject | AlertInject],
    record: RunRecord,
    clock: ExerciseClock,
) -> None:
    for inject in due:
        now = clock.now()
        if isinstance(inject, ObservationInject):
            obs = inject.observation
            record.first_seen.setdefault(inject.threat_id, now)
            problems = observation_problems(obs, now)
            if problems:
                record.refused.append(
                    f"report {obs.id}: {problems[0].field}: {problems[0].message}"
                )
                continue
            # As POST /api/v1/observations does: kept first, then assessed.
            [fresh] = await node.store.record_observations([obs], now)
            if fresh:
                assessed = await node.assessor.observe(obs, now)
                if assessed.threat_id:
                    record.threat_ids.setdefault(inject.threat_id, assessed.threat_id)
            record.injects.append(InjectRecord(now, "report", obs.partner_id, obs.id))
            continue
        partner = node.coalition.partner(inject.partner_id)
        if partner is None:
            raise ValueError(f"no partner {inject.partner_id!r}")  # checked at loading
        alert = inject.alert
        outcome = await node.accept(alert, cap.emit_xml(alert), partner)
        if isinstance(outcome, Accepted | AlreadyKnown):
            record.posted[inject.name] = now
            what = f"{alert.msg_type} {inject.name}"
            record.injects.append(InjectRecord(now, "message", partner.id, what))
        else:
            record.refused.append(f"message {inject.name}: {outcome.detail}")


async def _answer(node: Node, people: DutyOfficers, record: RunRecord) -> None:
    for answer in people.due(node.clock.now()):
        stored = await node.store.get(answer.alert_id)
        if stored is None:
            continue
        await node.acknowledge(
            stored.thread_id,
            answer.partner_id,
            answer.via,
            contact_id=answer.contact_id,
            notification_key=answer.notification_key,
        )
        record.injects.append(
            InjectRecord(node.clock.now(), "answer", answer.partner_id, answer.via.value)
        )


def _wake(node: Node) -> None:
    node.wakers.dispatch.set()
    node.wakers.escalate.set()
    node.wakers.review.set()


async def _settle(node: Node, people: DutyOfficers, record: RunRecord, options: RunOptions) -> bool:
    """Wait (bounded) until nothing is due: no review, no notification, no escalation step."""
    deadline = time.monotonic() + options.settle_timeout_s
    while time.monotonic() < deadline:
        now = node.clock.now()
        review = node.assessor.next_review()
        answer = people.next_due()
        if (
            (review is None or review > now)
            and (answer is None or answer > now)
            and await node.store.queue_depth(now) == 0
            and not await node.store.due_timers(now, 1)
        ):
            return True
        await _answer(node, people, record)
        _wake(node)
        # Let the node's loops run; they were woken above.
        await asyncio.sleep(0.01)
    return False


async def _all_alerts(node: Node) -> tuple[AlertRecord, ...]:
    found: list[AlertRecord] = []
    while True:
        page = await node.store.search(AlertQuery(limit=500, offset=len(found)))
        found += page
        if len(page) < 500:
            return tuple(sorted(found, key=lambda r: r.received_at))


async def _releases(node: Node) -> list[tuple[str, str]]:
    """What releasability decided, per recipient partner, as the audit log recorded it."""
    found: list[tuple[str, str]] = []
    after = 0
    while page := await node.store.events(after, 1000):
        after = page[-1].seq or after + len(page)
        found += [
            (event.kind.removeprefix("alert."), event.partner_id or "")
            for event in page
            if event.kind in RELEASE_KINDS
        ]
    return found


async def _acks(node: Node, alerts: tuple[AlertRecord, ...]) -> list[AckRecord]:
    threads = dict.fromkeys(r.thread_id for r in alerts if r.msg_type is not MsgType.ACK)
    acks: list[AckRecord] = []
    for thread_id in threads:
        for ack in await node.store.acknowledgements(thread_id):
            acks.append(AckRecord(ack.at, ack.partner_id, thread_id, ack.via.value))
    return sorted(acks, key=lambda a: a.at)

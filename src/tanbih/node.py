"""The composition root: the one place a node is assembled from its settings.

Read top to bottom, ``start_node`` is the flow as built::

    observations ─► assess (fuse, predict over the zone index, decide stages, issue CAP) ─┐
    partners' CAP ─────────────────────────────────────────────────────────────────────────┤
        ▼                                                                                  │
    accept (lifecycle) + route (who, which channels, escalation timers) ─► store: message, ┘
        notifications and timers in one transaction (the outbox)
    dispatch: claim ─► dedup against the delivery log ─► prepare (words, ack token) ─► channel
        ─► settle (retry with backoff, or failed at the deadline)
    escalate: due timers ─► next step's notifications          acknowledge: stops a partner's
    respond: the node's warnings ─► rank responders ─► request to respond (its own CAP message,
        routed and escalated to the asked partner) ─► accept / decline / timeout / reassign

Besides the stages' own loops, the node runs the threat-review loop
(:mod:`tanbih.pipeline.review_loop`) and signs its audit chain's head now and then
(:mod:`tanbih.pipeline.audit_checkpoint`).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable, Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from datetime import timedelta

import structlog

from tanbih import cap
from tanbih.adapters.channels.registry import build_channels
from tanbih.adapters.channels.settings import ChannelSettings
from tanbih.adapters.channels.unconfigured import UnconfiguredChannel
from tanbih.adapters.clock import SystemClock
from tanbih.adapters.console_stream import ConsoleChannel, ConsoleHub
from tanbih.adapters.metrics import NodeMetrics
from tanbih.adapters.secret_file import node_secret
from tanbih.adapters.store import open_store
from tanbih.adapters.store.assessor_lease import PgAssessorLease
from tanbih.api.threat_views import picture_text
from tanbih.channel_config import load_channel_settings
from tanbih.coalition import load_coalition
from tanbih.domain.audit import CheckpointKey
from tanbih.domain.cap import Alert
from tanbih.domain.coalition import ChannelKind, Coalition, Partner, Zone
from tanbih.domain.expiry import covered_region
from tanbih.domain.issuance import IssuancePolicy
from tanbih.domain.notification import AckRoute, Attempt, Notification
from tanbih.domain.records import AlertRecord
from tanbih.federation import Links, start_links
from tanbih.geo import WgsGeodesy, ZoneIndex
from tanbih.geo.area_owners import AreaOwners
from tanbih.pipeline.accept import AcceptAlert, Accepted, AlreadyKnown
from tanbih.pipeline.acknowledge import Acknowledge
from tanbih.pipeline.assess import REGION_MARGIN_DEG, Assessor
from tanbih.pipeline.assessment import (
    Assessment,
    DirectAssessment,
    FollowTheLog,
    LoggedAssessment,
)
from tanbih.pipeline.audit_checkpoint import keep_signing_the_audit_chain
from tanbih.pipeline.delivery_attempt import DispatchSettings
from tanbih.pipeline.dispatch import Dispatcher
from tanbih.pipeline.escalate import POLL_SECONDS as ESCALATOR_POLL_SECONDS
from tanbih.pipeline.escalate import Escalator
from tanbih.pipeline.notify_plan import NotificationPlan, PlanNotifications
from tanbih.pipeline.prepare import PrepareDelivery
from tanbih.pipeline.release import Releasability, relay_for
from tanbih.pipeline.request_to_respond import SendRequest
from tanbih.pipeline.respond import Responder
from tanbih.pipeline.review_loop import keep_reviewing
from tanbih.pipeline.signing import Signatures
from tanbih.ports import Bus, Channel, Clock, NodeStore
from tanbih.settings import Settings

_log = structlog.get_logger("tanbih.node")
# How long closing waits for the loops to finish what they are doing before cancelling them.
CLOSE_GRACE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class Wakers:
    """Events that wake the background loops at once instead of at their next poll."""

    dispatch: asyncio.Event
    escalate: asyncio.Event
    review: asyncio.Event
    federate: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass(slots=True)
class Node:
    """A running node's parts, built once at start-up."""

    settings: Settings
    coalition: Coalition
    zones: Mapping[str, Zone]
    store: NodeStore
    clock: Clock
    accept: AcceptAlert
    assessor: Assessor
    assessment: Assessment
    acknowledge: Acknowledge
    console: ConsoleHub
    metrics: NodeMetrics
    channel_settings: ChannelSettings
    secret: bytes
    wakers: Wakers
    signatures: Signatures
    releasability: Releasability
    responder: Responder
    dispatcher: Dispatcher
    links: Links | None = None
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    resources: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def close(self) -> None:
        """Stop the background loops, sign the audit chain's head, release connections.

        The loops are asked to stop and given ``CLOSE_GRACE_SECONDS`` to finish the write they
        are in: a write cut off by a cancellation can leave SQLite's write lock held, and the
        last checkpoint below then fails with "database is locked". Any still running after
        that are cancelled.
        """
        self.stop.set()
        self.wakers.review.set()
        if self.tasks:
            _, running = await asyncio.wait(self.tasks, timeout=CLOSE_GRACE_SECONDS)
            for task in running:
                task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.checkpoint(CheckpointKey.from_node_secret(self.secret), self.clock.now())
        await self.resources.aclose()
        await self.store.close()


ChannelWrapper = Callable[[ChannelKind, Channel], Channel]


async def start_node(
    settings: Settings,
    clock: Clock | None = None,
    *,
    wrap_channel: ChannelWrapper | None = None,
    bus: Bus | None = None,
) -> Node:
    """Load the coalition, open the store, assemble the pipeline and start its loops.

    ``wrap_channel`` puts something between the dispatcher and each channel: an exercise's
    simulated partners (``tanbih.exercise``); production passes nothing. With peers in its
    settings the node joins them over the bus they choose, or ``bus``.
    """
    coalition = load_coalition(settings.coalition_file)
    store = await open_store(settings.store_url)
    await store.sync_coalition(coalition)
    clock = clock or SystemClock()
    secret = node_secret(settings.node_secret, settings.secret_file)
    own = _own_partner(coalition)
    key_pem = settings.signing_key.read_bytes() if settings.signing_key else None
    signatures = Signatures(coalition, key_pem)
    if signatures.key_id is None:
        _log.warning("unsigned_node", reason="no TANBIH_SIGNING_KEY: own messages go unsigned")
    releasability = Releasability(coalition, relay_for(coalition, secret), signatures.sign)
    zones = {zone.id: zone for zone in coalition.zones}
    metrics, console = NodeMetrics(), ConsoleHub()
    acknowledge = Acknowledge(store, clock, metrics)
    wakers = Wakers(asyncio.Event(), asyncio.Event(), asyncio.Event())

    channel_settings = load_channel_settings(
        settings.channels_file, settings.base_url, secret.decode()
    )
    resources = AsyncExitStack()
    channels = build_channels(
        channel_settings, resources, console=ConsoleChannel(store, console, clock)
    )
    for kind in ChannelKind:
        channels.setdefault(kind, UnconfiguredChannel(kind))
    if wrap_channel is not None:
        channels = {kind: wrap_channel(kind, channel) for kind, channel in channels.items()}

    def settled(notification: Notification, attempt: Attempt | None) -> None:
        if attempt is not None:
            metrics.settled(notification, attempt)
        else:
            # Suppressed as a duplicate, or out of time before any attempt.
            kind = notification.recipient.channel.kind.value
            metrics.notifications.labels(kind, notification.state.value).inc()

    prepare = PrepareDelivery(store, clock, secret, settings.base_url, releasability)
    dispatcher = Dispatcher(
        store,
        channels,
        prepare,
        clock,
        _dispatch_settings(channel_settings),
        wake=wakers.dispatch,
        on_settled=settled,
        remember=prepare.remember,
    )

    async def on_cap_ack(record: AlertRecord, partner: Partner) -> None:
        await acknowledge(record.thread_id, partner.id, AckRoute.CAP_ACK)

    def recorded(plan: NotificationPlan) -> None:
        wakers.federate.set()
        # The escalator polls its stored timers; wake it only for a step due before then.
        soon = clock.now() + timedelta(seconds=ESCALATOR_POLL_SECONDS)
        if any(t.next_due_at is not None and t.next_due_at <= soon for t in plan.timers):
            wakers.escalate.set()

    accept = AcceptAlert(
        store,
        clock,
        plan=PlanNotifications(coalition, AreaOwners(coalition.zones), store, releasability),
        handoff=dispatcher,
        acknowledged=on_cap_ack,
        recorded=recorded,
    )

    async def publish(alert: Alert) -> None:
        await _publish_own(accept, own, alert, signatures.sign)
        responder.warned(alert)

    assessor = Assessor(
        zones=zones,
        index=ZoneIndex(coalition.zones),
        geodesy=WgsGeodesy(),
        policy=IssuancePolicy(sender=coalition.node.sender),
        publish=publish,
        region=covered_region(coalition.zones, REGION_MARGIN_DEG),
        on_change=wakers.review.set,
    )
    responder = Responder(
        store,
        coalition,
        clock,
        threats=assessor.threat,
        requests=SendRequest(
            store,
            clock,
            coalition,
            own,
            signatures.sign,
            releasability,
            handoff=dispatcher,
            recorded=recorded,
        ),
        tell=console.publish,
    )
    node = Node(
        settings=settings,
        coalition=coalition,
        zones=zones,
        store=store,
        clock=clock,
        accept=accept,
        assessor=assessor,
        assessment=_assessment(settings, store, assessor, clock),
        acknowledge=acknowledge,
        console=console,
        metrics=metrics,
        channel_settings=channel_settings,
        secret=secret,
        wakers=wakers,
        signatures=signatures,
        responder=responder,
        dispatcher=dispatcher,
        releasability=releasability,
        resources=resources,
    )
    escalator = Escalator(store, coalition, clock, releasability, queued=wakers.dispatch.set)
    node.tasks += [
        asyncio.create_task(dispatcher.run(node.stop)),
        asyncio.create_task(escalator.run(wakers.escalate, node.stop)),
        asyncio.create_task(keep_reviewing(assessor, clock, wakers.review, stop=node.stop)),
        asyncio.create_task(keep_signing_the_audit_chain(store, secret, clock, node.stop)),
        asyncio.create_task(responder.run(node.stop)),
    ]
    node.tasks += _following_the_log(node)
    node.links = await start_links(node, bus)
    return node


def _own_partner(coalition: Coalition) -> Partner:
    own = coalition.partner(coalition.node.partner_id)
    if own is None:
        raise ValueError(f"the node's partner {coalition.node.partner_id!r} is not declared")
    return own


def _worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


def _assessment(
    settings: Settings, store: NodeStore, assessor: Assessor, clock: Clock
) -> Assessment:
    """Several workers: one of them assesses the observation log for all (the others wait for
    its outcomes); one process assesses every report as it is kept."""
    if settings.workers > 1:
        return LoggedAssessment(store)
    return DirectAssessment(assessor, clock)


def _following_the_log(node: Node) -> list[asyncio.Task[None]]:
    """With several workers, each tries for the assessor's lease; the one holding it follows
    the observation log."""
    if not isinstance(node.assessment, LoggedAssessment):
        return []
    lease = PgAssessorLease(node.settings.store_url, _worker_id(), node.assessment.outcomes_written)
    assessor, zones, clock = node.assessor, node.zones, node.clock
    follow = FollowTheLog(
        node.store,
        assessor,
        lease,
        clock,
        node.assessment.lease_changed,
        picture=lambda: picture_text(assessor.tracked, zones, clock.now()),
    )
    return [asyncio.create_task(follow.run(node.stop))]


def _dispatch_settings(channels: ChannelSettings) -> DispatchSettings:
    # SMS and calls try the carriers in turn: an attempt may take each one's whole timeout.
    send_timeout = max(10.0, channels.http.total * max(len(channels.carriers), 1) + 1.0)
    return DispatchSettings(
        worker_id=_worker_id(),
        send_timeout=send_timeout,
        lease=timedelta(seconds=send_timeout * 3),
    )


async def _publish_own(
    accept: AcceptAlert, own: Partner, alert: Alert, sign: Callable[[bytes], bytes]
) -> None:
    """Sign a message the node issued and put it through the accept stage, like any partner's."""
    outcome = await accept(alert, sign(cap.emit_xml(alert)), own)
    if not isinstance(outcome, Accepted | AlreadyKnown):
        _log.error("own_message_refused", identifier=alert.identifier, reason=outcome.detail)

"""The composition root: the one place a node is assembled from its settings.

Read top to bottom, ``start_node`` is the flow as built so far::

    coalition file ─► store (migrated, coalition synced)
    observations ─► assess (fuse, predict over the zone index, decide stages, issue CAP) ─┐
    partners' CAP ─────────────────────────────────────────────────────────────────────────┴─►
        accept (lifecycle + durable write)

Later stages (route, outbox, dispatch, escalate) join here.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from tanbih import cap
from tanbih.adapters.clock import SystemClock
from tanbih.adapters.metrics import NodeMetrics
from tanbih.adapters.store import open_store
from tanbih.coalition import load_coalition
from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Coalition, Partner, Zone
from tanbih.domain.expiry import covered_region
from tanbih.domain.issuance import IssuancePolicy
from tanbih.geo import WgsGeodesy, ZoneIndex
from tanbih.pipeline.accept import AcceptAlert, Accepted, AlreadyKnown
from tanbih.pipeline.assess import Assessor
from tanbih.ports import AlertStore, Clock
from tanbih.settings import Settings

_log = structlog.get_logger("tanbih.node")
# A threat this far outside every zone can reach none within a warning horizon.
REGION_MARGIN_DEG = 10.0


@dataclass(slots=True)
class Node:
    """A running node's parts, built once at start-up."""

    settings: Settings
    coalition: Coalition
    zones: Mapping[str, Zone]
    store: AlertStore
    clock: Clock
    accept: AcceptAlert
    assessor: Assessor
    metrics: NodeMetrics
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    async def close(self) -> None:
        """Stop the background loops and release the store's connections."""
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.store.close()


async def start_node(settings: Settings, clock: Clock | None = None) -> Node:
    """Load the coalition, open and migrate the store, assemble the pipeline, start its loops."""
    coalition = load_coalition(settings.coalition_file)
    store = await open_store(settings.store_url)
    await store.sync_coalition(coalition)
    clock = clock or SystemClock()
    accept = AcceptAlert(store, clock)
    own = coalition.partner(coalition.node.partner_id)
    if own is None:
        raise ValueError(f"the node's partner {coalition.node.partner_id!r} is not declared")
    zones = {zone.id: zone for zone in coalition.zones}
    review = asyncio.Event()

    async def publish(alert: Alert) -> None:
        await _publish_own(accept, own, alert)

    assessor = Assessor(
        zones=zones,
        index=ZoneIndex(coalition.zones),
        geodesy=WgsGeodesy(),
        policy=IssuancePolicy(sender=coalition.node.sender),
        publish=publish,
        region=covered_region(coalition.zones, REGION_MARGIN_DEG),
        on_change=review.set,
    )
    node = Node(settings, coalition, zones, store, clock, accept, assessor, NodeMetrics())
    node.tasks.append(asyncio.create_task(_keep_reviewing(assessor, clock, review)))
    return node


async def _publish_own(accept: AcceptAlert, own: Partner, alert: Alert) -> None:
    """Put a message the node issued through the accept stage, like any partner's."""
    outcome = await accept(alert, cap.emit_xml(alert), own)
    if not isinstance(outcome, Accepted | AlreadyKnown):
        _log.error("own_message_refused", identifier=alert.identifier, reason=outcome.detail)


async def _keep_reviewing(assessor: Assessor, clock: Clock, changed: asyncio.Event) -> None:
    """Review threats when their next zone comes due, or sooner when an observation changed it."""
    while True:
        changed.clear()
        due = assessor.next_review()
        wait = None if due is None else max((due - clock.now()).total_seconds(), 0.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), timeout=wait)
        if due is not None and clock.now() >= due:
            await assessor.review(clock.now())

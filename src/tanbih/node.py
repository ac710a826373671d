"""The composition root: the one place a node is assembled from its settings.

Read top to bottom, ``start_node`` is the flow as built so far::

    coalition file ─► store (migrated, coalition synced) ─► accept stage (lifecycle + durable write)

Later stages (correlate, assess, route, outbox, dispatch, escalate) join here.
"""

from __future__ import annotations

from dataclasses import dataclass

from tanbih.adapters.clock import SystemClock
from tanbih.adapters.store import open_store
from tanbih.coalition import load_coalition
from tanbih.domain.coalition import Coalition
from tanbih.pipeline.accept import AcceptAlert
from tanbih.ports import AlertStore, Clock
from tanbih.settings import Settings


@dataclass(frozen=True, slots=True)
class Node:
    """A running node's parts, built once at start-up."""

    settings: Settings
    coalition: Coalition
    store: AlertStore
    clock: Clock
    accept: AcceptAlert

    async def close(self) -> None:
        """Release the store's connections."""
        await self.store.close()


async def start_node(settings: Settings, clock: Clock | None = None) -> Node:
    """Load the coalition, open and migrate the store, and assemble the pipeline."""
    coalition = load_coalition(settings.coalition_file)
    store = await open_store(settings.store_url)
    await store.sync_coalition(coalition)
    clock = clock or SystemClock()
    return Node(
        settings=settings,
        coalition=coalition,
        store=store,
        clock=clock,
        accept=AcceptAlert(store, clock),
    )

"""The audit-checkpoint loop: the audit chain's head signed every ``AUDIT_CHECKPOINT_EVERY``.

The node runs one (:func:`tanbih.node.start_node`); ``Node.close`` signs the head a last time
once its loops are stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog

from tanbih.domain.audit import CheckpointKey
from tanbih.errors import StoreError
from tanbih.ports import AlertStore, Clock

_log = structlog.get_logger("tanbih.node")
AUDIT_CHECKPOINT_EVERY = timedelta(minutes=5)


async def keep_signing_the_audit_chain(
    store: AlertStore, secret: bytes, clock: Clock, stop: asyncio.Event
) -> None:
    """Sign the audit chain's head every ``AUDIT_CHECKPOINT_EVERY`` (nothing new: no entry).

    Not on stopping: ``Node.close`` signs the head itself once the loops are stopped, and two
    checkpoints at once made the second wait on SQLite's write lock and fail.
    """
    key = CheckpointKey.from_node_secret(secret)
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), AUDIT_CHECKPOINT_EVERY.total_seconds())
        if stop.is_set():
            return
        try:
            await store.checkpoint(key, clock.now())
        except StoreError:
            _log.exception("audit_checkpoint_failed")

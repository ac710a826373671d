"""One delivery attempt, bounded in time, and the settings of the dispatch workers.

An attempt never raises: whatever goes wrong while preparing or sending becomes a result the
retry policy can judge. Channels report their own failures as results; an exception from one
(or from ``prepare``) is a bug or an outage we cannot classify, so it is retried until the
notification's deadline rather than allowed to stop the worker. A message the sharing matrix
withholds from the recipient's partner (``WithheldError`` from ``prepare``) is never sent: the
attempt fails for good.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from types import MappingProxyType

from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult, Notification
from tanbih.domain.retry import RetryPolicy
from tanbih.errors import WithheldError
from tanbih.ports import Channel

log = logging.getLogger(__name__)

Prepare = Callable[[Notification], Awaitable[Delivery]]
"""Builds what a channel sends for a notification: CAP bytes, wording, acknowledgement token."""


@dataclass(frozen=True, slots=True)
class DispatchSettings:
    """How a dispatch worker claims, paces and retries.

    ``concurrency`` is the number of notifications in flight per channel kind, unless
    ``limits`` names another for a kind. A claim's ``lease`` must outlast an attempt
    (``send_timeout``), or a slow send could be claimed and sent again by another worker.
    """

    worker_id: str
    concurrency: int = 16
    limits: Mapping[ChannelKind, int] = field(default_factory=lambda: MappingProxyType({}))
    send_timeout: float = 10.0
    lease: timedelta = timedelta(seconds=60)
    poll_interval: float = 1.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if min([self.concurrency, *self.limits.values()]) < 1:
            raise ValueError("every channel needs at least one slot")
        if self.send_timeout <= 0 or self.poll_interval <= 0:
            raise ValueError("send_timeout and poll_interval must be positive")
        if self.lease.total_seconds() <= self.send_timeout:
            raise ValueError(f"lease {self.lease} must outlast send_timeout {self.send_timeout} s")

    def limit(self, kind: ChannelKind) -> int:
        """How many notifications of ``kind`` may be in flight at once."""
        return self.limits.get(kind, self.concurrency)


async def attempt_once(
    notification: Notification, prepare: Prepare, channel: Channel, time_limit: float
) -> tuple[DeliveryResult, float]:
    """Prepare and send ``notification`` once within ``time_limit`` seconds.

    Returns the result and how long the attempt took, in milliseconds.
    """
    started = time.perf_counter()
    try:
        async with asyncio.timeout(time_limit):
            result = await channel.send(await prepare(notification))
    except TimeoutError:
        result = DeliveryResult(DeliveryOutcome.RETRY, error=f"no answer within {time_limit:g} s")
    except WithheldError as exc:
        result = DeliveryResult(DeliveryOutcome.FAILED, error=f"withheld: {exc}")
    except Exception as exc:  # any failure is a result; see the module docstring
        log.exception("sending notification %s raised", notification.key)
        result = DeliveryResult(DeliveryOutcome.RETRY, error=f"{type(exc).__name__}: {exc}")
    return result, (time.perf_counter() - started) * 1000

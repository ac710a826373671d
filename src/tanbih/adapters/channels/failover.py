"""Redundant routes for one channel kind: try each in order until one takes the message.

A contact's SMS or call goes through the node's carriers in the configured order. A refusal by
one carrier, permanent or not, moves on to the next, because what one carrier refuses (an
unpaid account, a blocked destination, revoked credentials) another may accept. The attempt
fails only when every route failed, and is worth retrying if any route's failure was.

A route that timed out may still deliver, so failover bounds duplicates rather than
excluding them; every route carries the same idempotency key.
"""

from __future__ import annotations

from collections.abc import Sequence

from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult
from tanbih.ports import Channel


class FailoverChannel:
    """A channel made of named routes tried in order; the first delivery wins."""

    def __init__(self, routes: Sequence[tuple[str, Channel]]) -> None:
        if not routes:
            raise ValueError("a failover channel needs at least one route")
        self.routes = tuple(routes)

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """Send through the first route that delivers; else report every route's failure."""
        errors = []
        retryable = False
        for name, route in self.routes:
            result = await route.send(delivery)
            if result.outcome is DeliveryOutcome.DELIVERED:
                return result
            retryable = retryable or result.retryable
            errors.append(f"{name}: {result.error or result.outcome.value}")
        outcome = DeliveryOutcome.RETRY if retryable else DeliveryOutcome.FAILED
        return DeliveryResult(outcome, error="; ".join(errors))

"""A channel kind this node has no settings for: every delivery fails, saying so."""

from __future__ import annotations

from tanbih.domain.coalition import ChannelKind
from tanbih.domain.notification import Delivery, DeliveryOutcome, DeliveryResult


class UnconfiguredChannel:
    """Fails at once and permanently, so the failure shows and escalation takes over."""

    def __init__(self, kind: ChannelKind) -> None:
        self._kind = kind

    async def send(self, delivery: Delivery) -> DeliveryResult:
        """A permanent failure naming the missing configuration."""
        return DeliveryResult(
            DeliveryOutcome.FAILED,
            error=f"no {self._kind} channel is configured on this node (see TANBIH_CHANNELS)",
        )

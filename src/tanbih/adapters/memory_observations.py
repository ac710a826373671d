"""The observation log in memory, for fast tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tanbih.domain.observation import Observation


class MemoryObservations:
    """Keeps every accepted observation by (partner, id)."""

    def __init__(self) -> None:
        self._observations: dict[tuple[str, str], tuple[Observation, datetime]] = {}

    async def record_observations(
        self, reports: Sequence[Observation], received_at: datetime
    ) -> list[bool]:
        """Keep ``reports``; for each, whether it was new (not a resend)."""
        new: list[bool] = []
        for obs in reports:
            key = (obs.partner_id, obs.id)
            new.append(key not in self._observations)
            self._observations.setdefault(key, (obs, received_at))
        return new

    async def observation_count(self) -> int:
        """How many reports the log holds."""
        return len(self._observations)

"""The observation log in memory, for fast tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tanbih.domain.observation import Observation
from tanbih.domain.records import LoggedObservation, ObservationOutcome


class MemoryObservations:
    """Keeps every accepted observation by (partner, id), numbered in the order kept."""

    def __init__(self) -> None:
        self._observations: dict[tuple[str, str], LoggedObservation] = {}
        self._outcomes: dict[int, ObservationOutcome] = {}
        self._cursors: dict[str, int] = {}
        self._picture: str | None = None

    async def record_observations(
        self, reports: Sequence[Observation], received_at: datetime
    ) -> list[bool]:
        """Keep ``reports``; for each, whether it was new (not a resend)."""
        new: list[bool] = []
        for obs in reports:
            key = (obs.partner_id, obs.id)
            new.append(key not in self._observations)
            if key not in self._observations:
                seq = len(self._observations) + 1
                self._observations[key] = LoggedObservation(seq, obs, received_at)
        return new

    async def observation_count(self) -> int:
        """How many reports the log holds."""
        return len(self._observations)

    async def observations_after(self, seq: int, limit: int = 500) -> list[LoggedObservation]:
        """Reports with a ``seq`` greater than ``seq``, in log order, at most ``limit``."""
        # Kept in seq order: the dict keeps insertion order.
        return list(self._observations.values())[seq : seq + limit]

    async def observation_head(self) -> int:
        """The newest report's ``seq``; 0 for an empty log."""
        return len(self._observations)

    async def first_observation_since(self, since: datetime) -> int | None:
        """The ``seq`` of the first report received at or after ``since``, if any."""
        return next((e.seq for e in self._observations.values() if e.received_at >= since), None)

    async def last_assessed(self) -> int:
        """The ``seq`` of the newest report with an outcome; 0 if none has one."""
        return max(self._outcomes, default=0)

    async def save_outcomes(self, outcomes: Sequence[tuple[int, ObservationOutcome]]) -> None:
        """Keep what the assessment made of the reports numbered so."""
        self._outcomes.update(outcomes)

    async def observation_outcomes(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], ObservationOutcome]:
        """The outcomes of the reports ``keys`` (partner, id) that have one."""
        found = {}
        for key in keys:
            entry = self._observations.get(key)
            if entry is not None and entry.seq in self._outcomes:
                found[key] = self._outcomes[entry.seq]
        return found

    async def cursor(self, name: str) -> int | None:
        """Where the reader ``name`` of the log stands, if it ever saved its place."""
        return self._cursors.get(name)

    async def advance_cursor(self, name: str, seq: int) -> None:
        """Save ``seq`` as the place of reader ``name``, unless it stands further already."""
        self._cursors[name] = max(seq, self._cursors.get(name, seq))

    async def save_picture(self, picture: str) -> None:
        """Keep the assessing worker's threat picture, replacing the last."""
        self._picture = picture

    async def picture(self) -> str | None:
        """The threat picture kept last, if any."""
        return self._picture

"""The exercise's clock: the scenario's time, running at a chosen speed, that a fast-forwarded
run moves on over the quiet stretches.

Between jumps it runs (at ``speed``) with the real clock, so what the pipeline takes to work —
delivery latencies above all — is measured as it is, not rounded to a step.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta


class ExerciseClock:
    """Scenario time: ``start`` plus real time elapsed times ``speed``, plus every jump.

    It stands at ``start`` until :meth:`run`: building the node takes seconds that are no
    part of the scenario.
    """

    def __init__(self, start: datetime, speed: float = 1.0) -> None:
        self._origin = start
        self._since: float | None = None
        self._speed = speed

    def run(self) -> None:
        """Start the clock."""
        if self._since is None:
            self._since = time.monotonic()

    def now(self) -> datetime:
        """The scenario's current time, timezone-aware."""
        if self._since is None:
            return self._origin
        return self._origin + timedelta(seconds=(time.monotonic() - self._since) * self._speed)

    def jump_to(self, at: datetime) -> None:
        """Move on to ``at`` at once (never back)."""
        if at > self.now():
            self._origin, self._since = at, time.monotonic()

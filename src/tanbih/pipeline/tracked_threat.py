"""A threat as the assess stage tracks it between observations.

The assessor (:mod:`tanbih.pipeline.assess`) replaces a threat's :class:`TrackedThreat` whole
after each report or review; the respond stage and the API read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tanbih.domain.fusion import Threat
from tanbih.domain.issuance import WarningThread
from tanbih.domain.lifecycle import Stage
from tanbih.domain.threat import Kinematics, ZoneExposure
from tanbih.pipeline.message_columns import Objects
from tanbih.pipeline.zone_columns import Codes, Exposed, stage_map


@dataclass(frozen=True, slots=True)
class TrackedThreat:
    """A threat with what the assessment remembers of it between observations: its zones'
    stages and exposures as columns (:mod:`tanbih.pipeline.zone_columns`), and once a message
    named them, the exposures' ETA parameters: the next messages on the same exposures (zones
    coming due at reviews) take them again instead of making them anew."""

    threat: Threat
    zone_stages: Codes
    exposed: Exposed
    thread: WarningThread
    review_at: datetime | None
    last_issued: datetime | None = None
    predicted_from: Kinematics | None = None
    eta_parameters: Objects | None = None

    @property
    def stages(self) -> dict[str, Stage]:
        """The stage each zone ever warned reached, by zone id."""
        return stage_map(self.exposed.index, self.zone_stages)

    @property
    def exposures(self) -> tuple[ZoneExposure, ...]:
        """The zones the threat is predicted to reach, earliest ETA first."""
        return self.exposed.exposures()

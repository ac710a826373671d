"""Who may respond to a threat: the agreement's ranking over the areas its path enters.

A ballistic threat with a known impact point reaches the areas around that point; any other is
followed along its predicted path for ``PATH_HORIZON``. The ranking itself is
:func:`tanbih.domain.response.rank_responders`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tanbih.domain.agreement import Agreement
from tanbih.domain.fusion import Threat
from tanbih.domain.response import Availability, Ranking, Reach, ThreatToMeet, rank_responders
from tanbih.geo.path import BALLISTIC, predict_path
from tanbih.geo.responsibility import ResponsibilityMap

# How far ahead the predicted path is drawn to find the areas it enters.
PATH_HORIZON = timedelta(minutes=30)


def threat_to_meet(threat: Threat) -> ThreatToMeet:
    """The facts of ``threat`` that ranking and notices read."""
    return ThreatToMeet(threat.threat_class, threat.status, frozenset(threat.sources))


class ResponseCandidates:
    """Ranks the partners who may respond to a threat, by one agreement's rules."""

    def __init__(self, agreement: Agreement) -> None:
        self._agreement = agreement
        self._map = ResponsibilityMap(agreement.areas)

    def ranking(self, threat: Threat, availability: Availability, now: datetime) -> Ranking:
        """The candidates for ``threat`` by the agreement's rules."""
        to_meet = threat_to_meet(threat)
        return rank_responders(self._agreement, to_meet, self._reach(threat, now), availability)

    def _reach(self, threat: Threat, now: datetime) -> dict[str, Reach]:
        if threat.impact is not None and threat.threat_class in BALLISTIC:
            return self._map.reach_of_impact(threat.impact)
        path = predict_path(
            threat.state,
            threat.threat_class,
            threat.impact,
            horizon_s=PATH_HORIZON.total_seconds(),
            now=now,
        )
        return self._map.reach_of_path([(lat, lon) for lat, lon, _ in path.points])

"""When a threat's last prediction still holds: a report that keeps to it reuses its exposures.

Their ETAs can only be earlier than a new prediction's, never later, so the assess stage keeps
them until the prediction is ``PREDICTION_REUSE`` old, or a report strays from it.
"""

from __future__ import annotations

from datetime import timedelta

from tanbih.domain.fusion import Threat
from tanbih.domain.threat import Geodesy
from tanbih.pipeline.tracked_threat import TrackedThreat

PREDICTION_REUSE = timedelta(seconds=30)
REUSE_POSITION_M = 300.0
REUSE_HEADING_DEG = 3.0
REUSE_SPEED_SHARE = 0.05


def keeps_course(previous: TrackedThreat, threat: Threat, geodesy: Geodesy) -> bool:
    """Whether ``threat`` is where, and moves as, the last prediction said it would."""
    basis, state = previous.predicted_from, threat.state
    if basis is None or threat.impact != previous.threat.impact:
        return False
    if threat.threat_class is not previous.threat.threat_class:
        return False
    elapsed = (state.time - basis.time).total_seconds()
    if not 0 <= elapsed <= PREDICTION_REUSE.total_seconds():
        return False
    turn = abs((state.heading_deg - basis.heading_deg + 180) % 360 - 180)
    if turn > REUSE_HEADING_DEG:
        return False
    if abs(state.speed_mps - basis.speed_mps) > REUSE_SPEED_SHARE * max(basis.speed_mps, 1):
        return False
    lat, lon = geodesy.forward(basis.lat, basis.lon, basis.heading_deg, basis.speed_mps * elapsed)
    _, off_track = geodesy.inverse(lat, lon, state.lat, state.lon)
    return off_track <= REUSE_POSITION_M

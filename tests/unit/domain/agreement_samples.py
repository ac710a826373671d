"""A small agreement to rank responders on: five parties, one of them never responding."""

from __future__ import annotations

from datetime import timedelta

from tanbih.domain.agreement import Agreement, Capability, ResponseRule
from tanbih.domain.cap import Status
from tanbih.domain.releasability import Level, SharingMatrix, SharingSheet
from tanbih.domain.threat import ThreatClass

UAV, CRUISE, BALLISTIC, ROCKET, AIRCRAFT = (
    ThreatClass.UAV,
    ThreatClass.CRUISE_MISSILE,
    ThreatClass.BALLISTIC_MISSILE,
    ThreatClass.ROCKET,
    ThreatClass.AIRCRAFT,
)


def capability(
    partner_id: str,
    name: str,
    classes: set[ThreatClass],
    range_km: float,
    *,
    available: bool = True,
) -> Capability:
    """A capability of ``partner_id``."""
    return Capability(partner_id, name, frozenset(classes), range_km, available)


AGREEMENT = Agreement(
    version="1",
    title="Test agreement",
    parties=("hub", "aa", "bb", "cc", "dd", "ee"),
    capabilities=(
        capability("aa", "interceptors", {UAV, CRUISE, BALLISTIC, ROCKET}, 250),
        capability("bb", "fighters", {UAV, CRUISE, AIRCRAFT}, 400),
        capability("bb", "air_defence", {UAV}, 50, available=False),
        capability("cc", "fighters", {UAV, AIRCRAFT}, 300),
        # dd never responds, whatever it can do.
        capability("dd", "fighters", {UAV, CRUISE}, 500),
        capability("ee", "air_defence", {BALLISTIC}, 100),
    ),
    non_responders=frozenset({"dd"}),
    rules=(
        ResponseRule(
            "ballistic",
            timedelta(seconds=15),
            threat_classes=frozenset({BALLISTIC, ROCKET}),
            require_area=True,
        ),
        ResponseRule(
            "exercise-anyone",
            timedelta(seconds=120),
            statuses=frozenset({Status.EXERCISE}),
            require_capability=False,
        ),
        ResponseRule("default", timedelta(seconds=60)),
    ),
    # aa's reports may not reach cc at all.
    sharing=SharingMatrix(SharingSheet.of(Level.FULL, [(("aa", "cc"), Level.NONE)])),
)

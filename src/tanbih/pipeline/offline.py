"""The assessment run offline over recorded observations, on their own clock.

Used by ``tanbih assess`` and by replay tests: the same stages as a node (fuse, predict,
decide, issue), with reviews run whenever a zone comes due between two reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from tanbih.domain.cap import Alert
from tanbih.domain.coalition import Coalition
from tanbih.domain.expiry import covered_region
from tanbih.domain.issuance import IssuancePolicy
from tanbih.domain.observation import Observation
from tanbih.geo import WgsGeodesy, ZoneIndex
from tanbih.pipeline.assess import REGION_MARGIN_DEG, Assessor

AFTERMATH = timedelta(hours=1)


async def assess_offline(
    coalition: Coalition, observations: Iterable[Observation], *, index: ZoneIndex | None = None
) -> list[Alert]:
    """The warnings the node would issue for ``observations``, in time order."""
    issued: list[Alert] = []

    async def keep(alert: Alert) -> None:
        issued.append(alert)

    assessor = Assessor(
        zones={zone.id: zone for zone in coalition.zones},
        index=index or ZoneIndex(coalition.zones),
        geodesy=WgsGeodesy(),
        policy=IssuancePolicy(sender=coalition.node.sender),
        publish=keep,
        region=covered_region(coalition.zones, REGION_MARGIN_DEG),
    )
    ordered = sorted(observations, key=lambda o: o.time)
    for obs in ordered:
        while (due := assessor.next_review()) is not None and due <= obs.time:
            await assessor.review(due)
        await assessor.observe(obs, obs.time)
    if ordered:
        # Let the last threats run out (lost from sight, all clear), within a bounded time.
        end = ordered[-1].time + AFTERMATH
        while (due := assessor.next_review()) is not None and due <= end:
            await assessor.review(due)
    return issued

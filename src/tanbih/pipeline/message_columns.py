"""A warning message's zones built from a threat's columns (:mod:`tanbih.pipeline.zone_columns`).

Each message carries the threat's whole picture: every zone warned, with its ETA and time to
shelter parameters and its area in every language, hundreds for a threat over a city, at every
change. What a zone puts in a message is built once per zone at start-up and taken here for
all the zones of a stage at once; only the ETA parameters change between messages, and those
are kept by (zone, whole second): the next message of a threat, and other threats bound for the
same zones, mostly name the same seconds. :func:`tanbih.domain.issuance.issue_warning` builds
the same :class:`~tanbih.domain.issuance.StageZones` from domain values, and stays the
reference (the unit tests compare the two messages).
"""

from __future__ import annotations

from collections.abc import Mapping
from itertools import chain

import numpy as np
import numpy.typing as npt

from tanbih.domain.cap import Area, NamedValue
from tanbih.domain.coalition import Zone
from tanbih.domain.issuance import StageZones
from tanbih.domain.lifecycle import Stage
from tanbih.domain.warning_zones import eta_text, zone_message_parts
from tanbih.geo.zone_index import Indices, ZoneIndex
from tanbih.pipeline.zone_columns import Codes, Exposed, moment_of

Objects = npt.NDArray[np.object_]
# ETA parameters kept before starting afresh: some minutes of a busy sky, a few megabytes.
ETAS_KEPT = 50_000
_WARNING_STAGES = (Stage.TAKE_SHELTER, Stage.EARLY_WARNING)


class ZoneMessages:
    """What each zone of an index puts in a message, as columns, in ``languages``."""

    def __init__(
        self, index: ZoneIndex, zones: Mapping[str, Zone], languages: tuple[str, ...]
    ) -> None:
        parts = [zone_message_parts(zones[zone.id], languages) for zone in index.zones]
        self._languages = languages
        self._eta_names = [name for name, _, _ in parts]
        self._shelter = _objects([shelter for _, shelter, _ in parts])
        self._areas = [_objects([row[i] for _, _, row in parts]) for i in range(len(languages))]
        self._count = len(parts)
        # ETA parameters by second × zone count + zone position.
        self._etas: dict[int, NamedValue] = {}

    def stage_zones(self, exposed: Exposed, stages: Codes, cleared: Indices) -> list[StageZones]:
        """The message's zone groups: take shelter and early warning in ETA order, then the
        zones given the all clear (``cleared``, by zone id), those with zones only."""
        groups = []
        of_exposed = stages[exposed.zone]
        for stage in _WARNING_STAGES:
            chosen = of_exposed == stage
            if chosen.any():
                groups.append(self._timed(stage, exposed.zone[chosen], exposed.eta_us[chosen]))
        if cleared.size:
            no_parameters: tuple[NamedValue, ...] = ()
            groups.append(
                StageZones(
                    Stage.ALL_CLEAR, cleared.size, None, None, no_parameters, self._at(cleared)
                )
            )
        return groups

    def _timed(self, stage: Stage, zone: Indices, eta_us: npt.NDArray[np.int64]) -> StageZones:
        keys = ((eta_us // 1_000_000) * self._count + zone).tolist()
        etas = self._etas
        found = list(map(etas.get, keys))
        missing = [i for i, value in enumerate(found) if value is None]
        if missing:
            if len(etas) >= ETAS_KEPT:
                etas.clear()
            for i in missing:
                second, position = divmod(keys[i], self._count)
                value = NamedValue(self._eta_names[position], eta_text(second))
                found[i] = etas[keys[i]] = value
        # Each zone's ETA, then its time to shelter (interleaved in Python: through an object
        # array it costs half as much again).
        parameters = list(
            chain.from_iterable(zip(found, self._shelter[zone].tolist(), strict=True))
        )
        first, last = moment_of(int(eta_us[0])), moment_of(int(eta_us[-1]))
        return StageZones(stage, zone.size, first, last, parameters, self._at(zone))

    def _at(self, zone: Indices) -> dict[str, tuple[Area, ...]]:
        return {
            language: tuple(areas[zone].tolist())
            for language, areas in zip(self._languages, self._areas, strict=True)
        }


def _objects(values: list[object]) -> Objects:
    """A column of ``values`` (numpy would unpack tuples into a second dimension)."""
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column

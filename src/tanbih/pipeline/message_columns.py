"""A warning message's zones built from a threat's columns (:mod:`tanbih.pipeline.zone_columns`).

Each message carries the threat's whole picture: every zone warned, with its ETA and time to
shelter parameters and its area in every language, hundreds for a threat over a city, at every
change. What a zone puts in a message is built once per zone at start-up and taken here for
all the zones of a stage at once. Only the ETA parameters change between messages: about
half of them name a (zone, second) no earlier message named, and keeping all those made for
reuse by any message cost more than it saved (looking hundreds of thousands of kept
parameters up touches as much cold memory as making them again). So they are made for all
of a prediction's exposures at once (:func:`~tanbih.domain.cap.named_values`, their texts
taken from a table by second), and kept with the threat while its exposures are: the
messages of zones coming due later take them again.
:func:`tanbih.domain.issuance.issue_warning` builds the same
:class:`~tanbih.domain.issuance.StageZones` from domain values, and stays the reference (the
unit tests compare the two messages).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from tanbih.domain.cap import Area, NamedValue, named_values
from tanbih.domain.coalition import Zone
from tanbih.domain.issuance import StageZones
from tanbih.domain.lifecycle import Stage
from tanbih.domain.warning_zones import eta_text, zone_message_parts
from tanbih.geo.zone_index import Indices, ZoneIndex
from tanbih.pipeline.zone_columns import Codes, Exposed, moment_of

Objects = npt.NDArray[np.object_]
Seconds = npt.NDArray[np.int64]
# ETA texts kept, by whole second modulo this: more than a message's seconds ever span.
TEXT_SLOTS = 4096
_WARNING_STAGES = (Stage.TAKE_SHELTER, Stage.EARLY_WARNING)
# No ETA is this many seconds from the epoch (datetime stops at year 9999).
_NO_SECOND = np.iinfo(np.int64).min


class ZoneMessages:
    """What each zone of an index puts in a message, as columns, in ``languages``."""

    def __init__(
        self, index: ZoneIndex, zones: Mapping[str, Zone], languages: tuple[str, ...]
    ) -> None:
        parts = [zone_message_parts(zones[zone.id], languages) for zone in index.zones]
        self._languages = languages
        self._eta_names = _objects([name for name, _, _ in parts])
        self._shelter = _objects([shelter for _, shelter, _ in parts])
        self._areas = [_objects([row[i] for _, _, row in parts]) for i in range(len(languages))]
        # The ETA texts of whole seconds, and which second each is (_NO_SECOND: none yet), by
        # second modulo TEXT_SLOTS.
        self._texts = np.full(TEXT_SLOTS, "", dtype=object)
        self._text_second = np.full(TEXT_SLOTS, _NO_SECOND, dtype=np.int64)

    def eta_parameters(self, exposed: Exposed) -> Objects:
        """Each exposed zone's ETA parameter, in the exposures' order, made at once."""
        return _objects(
            named_values(
                self._eta_names[exposed.zone].tolist(), self._eta_texts(exposed.eta_us // 1_000_000)
            )
        )

    def stage_zones(
        self, exposed: Exposed, eta_parameters: Objects, stages: Codes, cleared: Indices
    ) -> list[StageZones]:
        """The message's zone groups: take shelter and early warning in ETA order, then the
        zones given the all clear (``cleared``, by zone id), those with zones only.
        ``eta_parameters`` are the exposures' (:meth:`eta_parameters`)."""
        groups = []
        of_exposed = stages[exposed.zone]
        for stage in _WARNING_STAGES:
            chosen = of_exposed == stage
            if chosen.any():
                groups.append(
                    self._timed(
                        stage, exposed.zone[chosen], exposed.eta_us[chosen], eta_parameters[chosen]
                    )
                )
        if cleared.size:
            no_parameters: tuple[NamedValue, ...] = ()
            groups.append(
                StageZones(
                    Stage.ALL_CLEAR, cleared.size, None, None, no_parameters, self._at(cleared)
                )
            )
        return groups

    def _timed(
        self, stage: Stage, zone: Indices, eta_us: Seconds, eta_parameters: Objects
    ) -> StageZones:
        # Each zone's ETA, then its time to shelter.
        parameters = np.empty(2 * zone.size, dtype=object)
        parameters[::2] = eta_parameters
        parameters[1::2] = self._shelter[zone]
        first, last = moment_of(int(eta_us[0])), moment_of(int(eta_us[-1]))
        return StageZones(stage, zone.size, first, last, parameters.tolist(), self._at(zone))

    def _eta_texts(self, second: Seconds) -> list[str]:
        """The ETA parameters' values for these whole seconds since the epoch."""
        slot = second % TEXT_SLOTS
        missing = self._text_second[slot] != second
        if missing.any():
            if second.max() - second.min() >= TEXT_SLOTS:
                return list(map(eta_text, second.tolist()))  # a horizon of over an hour
            wanted = np.unique(second[missing])
            self._texts[wanted % TEXT_SLOTS] = _objects(list(map(eta_text, wanted.tolist())))
            self._text_second[wanted % TEXT_SLOTS] = wanted
        texts: list[str] = self._texts[slot].tolist()
        return texts

    def _at(self, zone: Indices) -> dict[str, tuple[Area, ...]]:
        return {
            language: tuple(areas[zone].tolist())
            for language, areas in zip(self._languages, self._areas, strict=True)
        }


def _objects(values: Sequence[object]) -> Objects:
    """A column of ``values`` (numpy would unpack tuples into a second dimension)."""
    column = np.empty(len(values), dtype=object)
    column[:] = values
    return column

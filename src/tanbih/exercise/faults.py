"""Which channels a scenario's faults break, and when (seconds after its start)."""

from __future__ import annotations

from dataclasses import dataclass

from tanbih.domain.coalition import ChannelKind
from tanbih.exercise.schema import FaultEntry

_BREAKS: dict[str, frozenset[ChannelKind]] = {
    "webhook_down": frozenset({ChannelKind.WEBHOOK}),
    "sms_carrier_failing": frozenset({ChannelKind.SMS}),
    "voice_carrier_failing": frozenset({ChannelKind.VOICE}),
    # A partner's node offline: its console and its system are out of reach; phones still ring.
    "node_offline": frozenset({ChannelKind.CONSOLE, ChannelKind.WEBHOOK}),
}


@dataclass(frozen=True, slots=True)
class Faults:
    """The scenario's faults, asked per channel, partner and moment."""

    entries: tuple[FaultEntry, ...]
    duration_s: float

    def breaking(self, kind: ChannelKind, partner_id: str, t: float) -> FaultEntry | None:
        """The fault that makes ``kind`` to ``partner_id`` fail at ``t``, if any."""
        for fault in self.entries:
            end = self.duration_s if fault.end is None else fault.end
            if (
                kind in _BREAKS[fault.kind]
                and fault.partner in (None, partner_id)
                and fault.start <= t < end
            ):
                return fault
        return None

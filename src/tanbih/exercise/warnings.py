"""The zones each accepted message warned, and at which stage, read from its CAP."""

from __future__ import annotations

from collections.abc import Iterable

from tanbih import cap
from tanbih.domain.cap import MsgType, ResponseType
from tanbih.domain.records import AlertRecord
from tanbih.exercise.record import WarningRecord

_STAGES = {
    ResponseType.SHELTER: "take_shelter",
    ResponseType.PREPARE: "early_warning",
    ResponseType.ALL_CLEAR: "all_clear",
}
CANCELLED = "cancelled"


def warnings_of(records: Iterable[AlertRecord]) -> list[WarningRecord]:
    """One record per (message, zone, stage); a Cancel gives one ``cancelled`` record."""
    found: list[WarningRecord] = []
    for record in records:
        if record.msg_type is MsgType.ACK:
            continue
        alert = cap.parse_stored(record.xml)

        def warned(zone_id: str, stage: str, record: AlertRecord = record) -> WarningRecord:
            return WarningRecord(
                record.received_at,
                record.id,
                record.key.sender,
                record.thread_id,
                zone_id,
                stage,
                record.status.value,
            )

        if alert.msg_type is MsgType.CANCEL:
            found.append(warned("", CANCELLED))
            continue
        seen: set[tuple[str, str]] = set()
        for info in alert.infos:
            stage = next((_STAGES[r] for r in info.response_types if r in _STAGES), None)
            if stage is None:
                continue
            for area in info.areas:
                for code in area.geocodes:
                    if code.value_name == "tanbih:zone" and (code.value, stage) not in seen:
                        seen.add((code.value, stage))
                        found.append(warned(code.value, stage))
    return found

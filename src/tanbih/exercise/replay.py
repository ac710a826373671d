"""A recorded Home Front Command alert log as the alerts a scenario replays.

The log (columns ``data,date,time,alertDate,category,category_desc,matrix_id,rid``, one row per
area alerted, Israel local time) is grouped into one alert per second it names, as the Home
Front Command issues them: every area of that second in one message.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from tanbih.exercise.schema import ReplayEntry


@dataclass(frozen=True, slots=True)
class LoggedAlert:
    """The areas alerted in one second of the log."""

    at: datetime
    areas: tuple[str, ...]
    rows: int


def read_log(path: Path, replay: ReplayEntry) -> list[LoggedAlert]:
    """The log's alerts from ``replay.start`` up to ``replay.end`` (local times), in order."""
    zone = ZoneInfo(replay.time_zone)
    start = datetime.fromisoformat(replay.start).replace(tzinfo=zone)
    end = datetime.fromisoformat(replay.end).replace(tzinfo=zone)
    seconds: dict[datetime, list[str]] = {}
    with path.open(encoding="utf-8", newline="") as log:
        for row in csv.DictReader(log):
            at = datetime.strptime(f"{row['date']} {row['time']}", "%d.%m.%Y %H:%M:%S")
            at = at.replace(tzinfo=zone)
            if start <= at < end:
                seconds.setdefault(at, []).extend(a.strip() for a in row["data"].split(","))
    return [
        LoggedAlert(at, tuple(dict.fromkeys(areas)), len(areas))
        for at, areas in sorted(seconds.items())
    ]

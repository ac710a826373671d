"""The observation log in SQL: reports kept as received, deduplicated by (partner, id)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from sqlalchemy import func, select, tuple_

from tanbih.adapters.store.schema import observations
from tanbih.adapters.store.transactions import SqlTransactions, insert_new
from tanbih.domain.observation import Observation


def observation_row(obs: Observation, received_at: datetime) -> dict[str, object]:
    """The stored form of a report; its body is the report in JSON terms."""
    body = asdict(obs)
    body["time"] = obs.time.isoformat()
    if obs.impact is not None and obs.impact.time is not None:
        body["impact"]["time"] = obs.impact.time.isoformat()
    return {
        "partner_id": obs.partner_id,
        "id": obs.id,
        "time": obs.time,
        "received_at": received_at,
        "status": obs.status.value,
        "body": body,
    }


class SqlObservations(SqlTransactions):
    """Keeps every accepted observation."""

    async def record_observations(
        self, reports: Sequence[Observation], received_at: datetime
    ) -> list[bool]:
        """Keep ``reports`` in one transaction; for each, whether it was new (not a resend)."""
        if not reports:
            return []
        keys = [(obs.partner_id, obs.id) for obs in reports]
        async with self._writing() as conn:
            stored = await conn.execute(
                select(observations.c.partner_id, observations.c.id).where(
                    tuple_(observations.c.partner_id, observations.c.id).in_(keys)
                )
            )
            known = {(row.partner_id, row.id) for row in stored}
            fresh: dict[tuple[str, str], Observation] = {}
            for obs in reports:
                if (obs.partner_id, obs.id) not in known:
                    fresh.setdefault((obs.partner_id, obs.id), obs)
            if fresh:
                rows = [observation_row(obs, received_at) for obs in fresh.values()]
                await conn.execute(insert_new(conn, observations), rows)
        seen: set[tuple[str, str]] = set()
        new: list[bool] = []
        for key in keys:
            new.append(key in fresh and key not in seen)
            seen.add(key)
        return new

    async def observation_count(self) -> int:
        """How many reports the log holds."""
        async with self._reading() as conn:
            count = await conn.scalar(select(func.count()).select_from(observations))
            return int(count or 0)

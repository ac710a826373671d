"""The observation log in SQL: reports kept as received, deduplicated by (partner, id), and
numbered in the order written.

``seq`` is given by the store, one more than the newest, under a lock (a transaction-scoped
advisory lock on PostgreSQL; SQLite has one writer anyway), so a reader that follows the log
never passes a report that another transaction had not committed yet. On PostgreSQL each
write that kept something new notifies ``NEWS_CHANNEL`` at commit: the node's assessing
worker listens there instead of polling; each write of outcomes notifies ``ASSESSED_CHANNEL``,
where the workers waiting to answer with them listen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tanbih.adapters.store.schema import meta, observations
from tanbih.adapters.store.transactions import SqlTransactions, insert_new
from tanbih.domain.observation import Observation
from tanbih.domain.records import LoggedObservation, ObservationOutcome
from tanbih.errors import StoreError
from tanbih.federation.observation_wire import WireError, from_body

# "tanbih.o" in ASCII: the observation log's lock, beside the event log's "tanbih.a".
OBSERVATION_LOCK_KEY = 0x74616E6269682E6F
NEWS_CHANNEL = "tanbih_observations"
ASSESSED_CHANNEL = "tanbih_assessed"
PICTURE_KEY = "assessor.picture"


def observation_row(obs: Observation, received_at: datetime, seq: int) -> dict[str, object]:
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
        "seq": seq,
    }


class SqlObservations(SqlTransactions):
    """Keeps every accepted observation, in order."""

    async def record_observations(
        self, reports: Sequence[Observation], received_at: datetime
    ) -> list[bool]:
        """Keep ``reports`` in one transaction; for each, whether it was new (not a resend)."""
        if not reports:
            return []
        keys = [(obs.partner_id, obs.id) for obs in reports]
        async with self._writing() as conn:
            await _lock_log(conn)
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
                head = await conn.scalar(select(func.max(observations.c.seq)))
                first = int(head or 0) + 1
                rows = [
                    observation_row(obs, received_at, first + n)
                    for n, obs in enumerate(fresh.values())
                ]
                await conn.execute(insert_new(conn, observations), rows)
                if conn.dialect.name == "postgresql":
                    await conn.execute(select(func.pg_notify(NEWS_CHANNEL, "")))
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

    async def observations_after(self, seq: int, limit: int = 500) -> list[LoggedObservation]:
        """Reports with a ``seq`` greater than ``seq``, in log order, at most ``limit``."""
        statement = (
            select(observations.c.seq, observations.c.body, observations.c.received_at)
            .where(observations.c.seq > seq)
            .order_by(observations.c.seq)
            .limit(limit)
        )
        async with self._reading() as conn:
            found = list(await conn.execute(statement))
        return [_logged(row.seq, row.body, row.received_at) for row in found]

    async def observation_head(self) -> int:
        """The newest report's ``seq``; 0 for an empty log."""
        async with self._reading() as conn:
            return int(await conn.scalar(select(func.max(observations.c.seq))) or 0)

    async def first_observation_since(self, since: datetime) -> int | None:
        """The ``seq`` of the first report received at or after ``since``, if any."""
        statement = select(func.min(observations.c.seq)).where(observations.c.received_at >= since)
        async with self._reading() as conn:
            first = await conn.scalar(statement)
        return None if first is None else int(first)

    async def last_assessed(self) -> int:
        """The ``seq`` of the newest report with an outcome; 0 if none has one."""
        statement = select(func.max(observations.c.seq)).where(observations.c.outcome.is_not(None))
        async with self._reading() as conn:
            return int(await conn.scalar(statement) or 0)

    async def save_outcomes(self, outcomes: Sequence[tuple[int, ObservationOutcome]]) -> None:
        """Keep what the assessment made of the reports numbered so, in one transaction; on
        PostgreSQL, tell ``ASSESSED_CHANNEL`` at commit."""
        if not outcomes:
            return
        statement = (
            update(observations)
            .where(observations.c.seq == bindparam("b_seq"))
            .values(outcome=bindparam("b_outcome"))
        )
        values = [{"b_seq": seq, "b_outcome": outcome.as_json()} for seq, outcome in outcomes]
        async with self._writing() as conn:
            await conn.execute(statement, values)
            if conn.dialect.name == "postgresql":
                await conn.execute(select(func.pg_notify(ASSESSED_CHANNEL, "")))

    async def observation_outcomes(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], ObservationOutcome]:
        """The outcomes of the reports ``keys`` (partner, id) that have one."""
        if not keys:
            return {}
        statement = select(
            observations.c.partner_id, observations.c.id, observations.c.outcome
        ).where(
            tuple_(observations.c.partner_id, observations.c.id).in_(keys),
            observations.c.outcome.is_not(None),
        )
        async with self._reading() as conn:
            found = list(await conn.execute(statement))
        return {
            (row.partner_id, row.id): ObservationOutcome.from_json(row.outcome) for row in found
        }

    async def cursor(self, name: str) -> int | None:
        """Where the reader ``name`` of the log stands, if it ever saved its place."""
        async with self._reading() as conn:
            value = await conn.scalar(select(meta.c.value).where(meta.c.key == _cursor_key(name)))
        return None if value is None else int(value)

    async def advance_cursor(self, name: str, seq: int) -> None:
        """Save ``seq`` as the place of reader ``name``, unless it stands further already."""
        key = _cursor_key(name)
        async with self._writing() as conn:
            value = await conn.scalar(
                select(meta.c.value).where(meta.c.key == key).with_for_update()
            )
            if value is None:
                await conn.execute(insert_new(conn, meta), [{"key": key, "value": str(seq)}])
            elif int(value) < seq:
                await conn.execute(update(meta).where(meta.c.key == key).values(value=str(seq)))

    async def save_picture(self, picture: str) -> None:
        """Keep the assessing worker's threat picture in ``meta``, replacing the last."""
        async with self._writing() as conn:
            result = await conn.execute(
                update(meta).where(meta.c.key == PICTURE_KEY).values(value=picture)
            )
            if result.rowcount == 0:
                await conn.execute(insert_new(conn, meta), [{"key": PICTURE_KEY, "value": picture}])

    async def picture(self) -> str | None:
        """The threat picture the assessing worker kept last, if any."""
        async with self._reading() as conn:
            value = await conn.scalar(select(meta.c.value).where(meta.c.key == PICTURE_KEY))
        return None if value is None else str(value)


def _cursor_key(name: str) -> str:
    return f"observations.cursor.{name}"


async def _lock_log(conn: AsyncConnection) -> None:
    if conn.dialect.name == "postgresql":
        await conn.execute(select(func.pg_advisory_xact_lock(OBSERVATION_LOCK_KEY)))


def _logged(seq: int, body: Mapping[str, Any], received_at: datetime) -> LoggedObservation:
    try:
        observation = from_body(body)
    except WireError as exc:
        # Only a hand-edited row reads so: say which, rather than fail somewhere below.
        raise StoreError(f"observation log entry seq {seq} is unreadable: {exc}") from exc
    return LoggedObservation(seq, observation, received_at)

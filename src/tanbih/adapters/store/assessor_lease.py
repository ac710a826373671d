"""The assessor's lease on PostgreSQL: a session-level advisory lock on a connection of its own.

The worker whose connection holds the lock assesses the node's observation log. The lock lives
as long as that connection: a worker that dies (killed, or cut off from the database) loses it
with its connection, and the next worker to try takes it. The same connection listens on the
observation log's channel while it holds the lock, so the assessor hears of new reports at
their commit, and, in every worker, on the channel of outcomes written, so a worker waiting
to answer with one hears of it at once.

The connection is named ``tanbih assessor <worker>`` (``application_name``): ``pg_stat_activity``
joined with ``pg_locks`` shows which worker assesses.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from tanbih.adapters.store.engine import store_url
from tanbih.adapters.store.sql_observations import ASSESSED_CHANNEL, NEWS_CHANNEL

log = logging.getLogger(__name__)

# "tanbih.s" in ASCII: the assessor's seat, beside the logs' "tanbih.a" and "tanbih.o".
ASSESSOR_LOCK_KEY = 0x74616E6269682E73
_NAME_LIMIT = 63  # PostgreSQL truncates application_name there


class PgAssessorLease:
    """``AssessorLease`` on PostgreSQL (see the module docstring)."""

    def __init__(
        self, url: str, worker: str, outcomes_written: Callable[[], None] = lambda: None
    ) -> None:
        self._url = url
        self._outcomes_written = outcomes_written
        self._name = f"tanbih assessor {worker}"[:_NAME_LIMIT]
        self._engine: AsyncEngine | None = None
        self._conn: AsyncConnection | None = None
        self.news = asyncio.Event()

    async def take(self) -> bool:
        """Take the lock if free; a database that does not answer is a no."""
        try:
            conn = await self._connection()
            held = bool(await conn.scalar(select(func.pg_try_advisory_lock(ASSESSOR_LOCK_KEY))))
            if held:
                raw = await conn.get_raw_connection()
                driver: Any = raw.driver_connection
                await driver.add_listener(NEWS_CHANNEL, self._heard)
            await conn.commit()
            return held
        except (SQLAlchemyError, OSError) as exc:
            log.warning("could not try the assessor's lease: %s", exc)
            await self._close()
            return False

    async def holds(self) -> bool:
        """Whether the connection holding the lock still answers."""
        if self._conn is None:
            return False
        try:
            await self._conn.execute(select(1))
            await self._conn.commit()
            return True
        except (SQLAlchemyError, OSError) as exc:
            log.warning("the assessor's lease is lost with its connection: %s", exc)
            await self._close()
            return False

    async def release(self) -> None:
        """Close the connection: the lock and the listener go with it."""
        await self._close()

    async def _connection(self) -> AsyncConnection:
        if self._conn is None:
            # A pool of its own: the lock must stay on this connection, never go back to a pool.
            self._engine = create_async_engine(store_url(self._url), poolclass=NullPool)
            self._conn = await self._engine.connect()
            await self._conn.execute(
                text("SELECT set_config('application_name', :name, false)"), {"name": self._name}
            )
            raw = await self._conn.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.add_listener(ASSESSED_CHANNEL, self._written)
            await self._conn.commit()
        return self._conn

    async def _close(self) -> None:
        conn, engine = self._conn, self._engine
        self._conn = self._engine = None
        try:
            if conn is not None:
                await conn.close()
        except (SQLAlchemyError, OSError):
            log.debug("closing the assessor's connection failed", exc_info=True)
        if engine is not None:
            await engine.dispose()

    def _heard(self, *_: object) -> None:
        self.news.set()

    def _written(self, *_: object) -> None:
        self._outcomes_written()

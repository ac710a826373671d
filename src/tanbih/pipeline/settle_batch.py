"""Group commit for settlements: the settlements that arrive while one is written go together.

Every settlement is a write transaction (and, on SQLite, an fsync) that the next message's
accept waits its turn behind. When a fan-out's sends come back together, writing each alone
queues them one after another; here the first is written at once and whatever arrived
meanwhile is written next, in one transaction. One settlement alone costs what it did; a
burst costs one transaction per round instead of one per notification.
"""

from __future__ import annotations

import asyncio

from tanbih.domain.notification import Settling
from tanbih.errors import StoreError
from tanbih.ports import OutboxStore


class SettleBatches:
    """Writes settlements for one dispatcher, each round's arrivals in one transaction."""

    def __init__(self, store: OutboxStore) -> None:
        self._store = store
        self._waiting: list[tuple[Settling, asyncio.Future[None]]] = []
        self._writing = False

    async def settle(self, settling: Settling) -> None:
        """Return once ``settling`` is stored; raise ``StoreError`` if it could not be."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((settling, done))
        if not self._writing:
            # The first caller writes rounds until nothing waits; the others wait on theirs.
            self._writing = True
            try:
                await self._write_rounds()
            except StoreError:
                pass  # every future of the round, this one too, holds the error
            except BaseException:
                done.exception()  # this caller is cancelled: its future's error goes unread
                raise
            finally:
                self._writing = False
        await done

    async def _write_rounds(self) -> None:
        while self._waiting:
            batch, self._waiting = self._waiting, []
            try:
                missing = await self._store.settle_many([settling for settling, _ in batch])
            except BaseException as exc:
                # Cancelled (shutdown) or a store error: nobody of this round nor of later
                # rounds is settled; their rows stay claimed and return when the lease ends.
                failure = exc if isinstance(exc, StoreError) else StoreError("settling stopped")
                for _, done in batch + self._waiting:
                    if not done.done():
                        done.set_exception(failure)
                self._waiting = []
                raise
            for settling, done in batch:
                if done.done():
                    continue  # its caller was cancelled while waiting
                if settling.key in missing:
                    done.set_exception(StoreError(f"no notification with key {settling.key!r}"))
                else:
                    done.set_result(None)

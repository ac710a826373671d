"""Redacted copies in SQL: which stored message each copy this node sent stands for."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select, tuple_

from tanbih.adapters.store import rows
from tanbih.adapters.store.schema import alerts, relayed_copies
from tanbih.adapters.store.transactions import SqlTransactions, insert_new
from tanbih.domain.cap import Reference
from tanbih.domain.records import AlertRecord


class SqlRelays(SqlTransactions):
    """Keeps the copies' identifiers; a part of ``SqlStore``."""

    async def remember_copies(self, copies: Sequence[tuple[Reference, str]]) -> None:
        """Keep that each copy (its key) stands for the stored message of that id."""
        if not copies:
            return
        values = [
            {"sender": key.sender, "identifier": key.identifier, "alert_id": original}
            for key, original in copies
        ]
        async with self._writing() as conn:
            await conn.execute(insert_new(conn, relayed_copies), values)

    async def originals(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], AlertRecord]:
        """The stored messages the copies ``keys`` (sender, identifier) stand for, if known."""
        wanted = set(keys)
        if not wanted:
            return {}
        copy = relayed_copies.c
        statement = (
            select(
                copy.sender.label("copy_sender"), copy.identifier.label("copy_identifier"), alerts
            )
            .join(alerts, alerts.c.id == copy.alert_id)
            .where(tuple_(copy.sender, copy.identifier).in_(wanted))
        )
        async with self._reading() as conn:
            found = list((await conn.execute(statement)).mappings())
        return {
            (row["copy_sender"], row["copy_identifier"]): rows.alert_record(row) for row in found
        }

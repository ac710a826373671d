"""Make the stored partners and zones those of a coalition, doing as little work as possible.

A node loads its coalition file at every start, and the file rarely changes: a hash of the
declared rows is kept in ``meta`` and an unchanged coalition costs one query. A changed one is
diffed against what is stored, so only new, changed and dropped rows are written, each kind in
one batched statement (1,449 real zones insert in one ``executemany``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tanbih.adapters.store import rows
from tanbih.adapters.store.schema import meta, partners, zones
from tanbih.domain.coalition import Coalition

COALITION_HASH_KEY = "coalition_sha256"


def coalition_hash(
    partner_rows: Sequence[dict[str, Any]], zone_rows: Sequence[dict[str, Any]]
) -> str:
    """A digest of exactly what the store keeps of a coalition (not contacts or tokens)."""
    payload = json.dumps(
        {"partners": partner_rows, "zones": zone_rows},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


async def sync_coalition(conn: AsyncConnection, coalition: Coalition) -> bool:
    """Upsert the coalition's partners and zones and drop the others; whether anything changed.

    Runs inside the caller's (write) transaction.
    """
    partner_rows = sorted((rows.partner_row(p) for p in coalition.partners), key=_by_id)
    zone_rows = sorted((rows.zone_row(z) for z in coalition.zones), key=_by_id)
    digest = coalition_hash(partner_rows, zone_rows)
    stored = await conn.scalar(select(meta.c.value).where(meta.c.key == COALITION_HASH_KEY))
    if stored == digest:
        return False
    # Zones reference partners: a partner is added before its zones and dropped after them,
    # so a zone may also move from a departing partner to a new one.
    await _drop_missing(conn, zones, zone_rows)
    await _upsert(conn, partners, partner_rows)
    await _upsert(conn, zones, zone_rows)
    await _drop_missing(conn, partners, partner_rows)
    await _set_meta(conn, COALITION_HASH_KEY, digest)
    return True


def _by_id(row: dict[str, Any]) -> str:
    return str(row["id"])


async def _stored_rows(conn: AsyncConnection, table: Table) -> dict[str, dict[str, Any]]:
    result = await conn.execute(select(table))
    return {row["id"]: dict(row) for row in result.mappings()}


async def _drop_missing(
    conn: AsyncConnection, table: Table, declared: Sequence[dict[str, Any]]
) -> None:
    keep = {row["id"] for row in declared}
    stored = await conn.execute(select(table.c.id))
    gone = [{"gone_id": row_id} for row_id in stored.scalars() if row_id not in keep]
    if gone:
        await conn.execute(delete(table).where(table.c.id == bindparam("gone_id")), gone)


async def _upsert(conn: AsyncConnection, table: Table, declared: Sequence[dict[str, Any]]) -> None:
    stored = await _stored_rows(conn, table)
    new = [row for row in declared if row["id"] not in stored]
    # Rows read back from JSON columns hold lists and dicts, like the declared rows do.
    changed = [
        {**{k: v for k, v in row.items() if k != "id"}, "row_id": row["id"]}
        for row in declared
        if row["id"] in stored and stored[row["id"]] != row
    ]
    if new:
        await conn.execute(insert(table), new)
    if changed:
        await conn.execute(update(table).where(table.c.id == bindparam("row_id")), changed)


async def _set_meta(conn: AsyncConnection, key: str, value: str) -> None:
    result = await conn.execute(update(meta).where(meta.c.key == key).values(value=value))
    if result.rowcount == 0:
        await conn.execute(insert(meta).values(key=key, value=value))

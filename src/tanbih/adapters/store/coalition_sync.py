"""Make the stored partners and zones those of a coalition, doing as little work as possible.

A node loads its coalition file at every start, and the file rarely changes: a digest of what
is stored of it is kept in ``meta``, so an unchanged coalition costs one query (and ~20 ms of
hashing for the 1,449 real zones). A changed one is diffed against the stored rows, so only new,
changed and dropped rows are written, each kind in one batched statement (``executemany``).
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Table, bindparam, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from tanbih.adapters.store import rows
from tanbih.adapters.store.schema import meta, partners, zones
from tanbih.domain.coalition import Coalition

COALITION_HASH_KEY = "coalition_sha256"
# "tanbih.c" in ASCII, beside the logs' locks.
COALITION_LOCK_KEY = 0x74616E6269682E63


def coalition_digest(coalition: Coalition) -> str:
    """A digest of exactly what the store keeps of a coalition (not contacts or tokens)."""
    digest = hashlib.sha256()
    for partner in sorted(coalition.partners, key=lambda p: p.id):
        digest.update(_canonical(rows.partner_row(partner)))
    for zone in sorted(coalition.zones, key=lambda z: z.id):
        names = sorted(zone.names.items())
        rings = [len(ring) for ring in zone.rings]
        digest.update(_canonical([zone.id, zone.partner_id, names, zone.shelter_seconds, rings]))
        for ring in zone.rings:
            # Raw doubles: the real zones' 70,000 points hash 5x faster than as text.
            digest.update(array("d", chain.from_iterable(ring)).tobytes())
    return digest.hexdigest()


async def sync_coalition(conn: AsyncConnection, coalition: Coalition) -> bool:
    """Upsert the coalition's partners and zones and drop the others; whether anything changed.

    Runs inside the caller's (write) transaction.
    """
    digest = coalition_digest(coalition)
    if conn.dialect.name == "postgresql":
        # Workers of one node start at once: the second waits for the first's commit, then
        # finds the digest stored instead of inserting the same partners again.
        await conn.execute(select(func.pg_advisory_xact_lock(COALITION_LOCK_KEY)))
    stored = await conn.scalar(select(meta.c.value).where(meta.c.key == COALITION_HASH_KEY))
    if stored == digest:
        return False
    partner_rows = [rows.partner_row(p) for p in coalition.partners]
    zone_rows = [rows.zone_row(z) for z in coalition.zones]
    # Zones reference partners: a partner is added before its zones and dropped after them,
    # so a zone may also move from a departing partner to a new one.
    await _drop_missing(conn, zones, zone_rows)
    await _upsert(conn, partners, partner_rows)
    await _upsert(conn, zones, zone_rows)
    await _drop_missing(conn, partners, partner_rows)
    await _set_meta(conn, COALITION_HASH_KEY, digest)
    return True


def _canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


async def _stored_rows(conn: AsyncConnection, table: Table) -> dict[str, dict[str, Any]]:
    result = await conn.execute(select(table))
    # zip with the keys once: dict(RowMapping) rebuilds the key list for every row.
    keys = list(result.keys())
    found = (dict(zip(keys, row, strict=True)) for row in result)
    return {row["id"]: row for row in found}


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

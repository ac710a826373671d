"""The AlertStore contract for the coalition (partners and zones), on every implementation."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from tests.integration.store.samples import coalition, partner, stored, zone

from tanbih.adapters.store import open_store
from tanbih.domain.coalition import Role
from tanbih.errors import StoreError
from tanbih.ports import AlertStore

IL = partner("il", Role.COORDINATOR)
JO = partner("jo")
EG = partner("eg")


async def test_sync_stores_partners_without_contacts_or_tokens(store: AlertStore) -> None:
    """Partners come back by id with name, role, languages and senders, but no secrets."""
    await store.sync_coalition(coalition((JO, IL)))

    assert await store.partners() == [stored(IL), stored(JO)]
    assert all(p.token_hashes == () and p.contacts == () for p in await store.partners())


async def test_sync_stores_zones_that_round_trip(store: AlertStore) -> None:
    """Zones come back by id, equal: names in every language, shelter time, rings with holes."""
    zones = (zone("z2", "il", shelter_seconds=15), zone("z1", "il"), zone("j1", "jo"))
    await store.sync_coalition(coalition((IL, JO), zones))

    got = await store.zones()

    assert got == sorted(zones, key=lambda z: z.id)
    assert got[2].name("ar") == "منطقة"
    assert got[2].rings == zones[0].rings


async def test_zones_filter_by_partner(store: AlertStore) -> None:
    """zones(partner_id) gives only that partner's zones."""
    await store.sync_coalition(coalition((IL, JO), (zone("z1", "il"), zone("j1", "jo"))))

    assert [z.id for z in await store.zones("jo")] == ["j1"]
    assert await store.zones("eg") == []


async def test_sync_upserts_changes_and_drops_what_is_no_longer_declared(
    store: AlertStore,
) -> None:
    """A second sync updates changed rows, adds new ones and removes undeclared ones."""
    await store.sync_coalition(
        coalition((IL, JO, EG), (zone("z1", "il"), zone("z2", "il"), zone("e1", "eg")))
    )
    renamed_jo = replace(JO, name="Hashemite Kingdom of Jordan", languages=("ar",))
    faster_z1 = zone("z1", "il", shelter_seconds=30)

    await store.sync_coalition(coalition((IL, renamed_jo), (faster_z1, zone("j1", "jo"))))

    assert await store.partners() == [stored(IL), stored(renamed_jo)]
    assert await store.zones() == [zone("j1", "jo"), faster_z1]


async def test_sync_moves_a_zone_from_a_departing_partner(store: AlertStore) -> None:
    """A zone may pass to a new partner in the same sync that drops its old owner."""
    await store.sync_coalition(coalition((IL, EG), (zone("z1", "eg"),)))

    await store.sync_coalition(coalition((IL, JO), (zone("z1", "jo"),)))

    assert [p.id for p in await store.partners()] == ["il", "jo"]
    assert await store.zones() == [zone("z1", "jo")]


async def test_sync_of_the_same_coalition_twice_changes_nothing(store: AlertStore) -> None:
    """Syncing an unchanged coalition is harmless: the stored state stays the same."""
    declared = coalition((IL, JO), (zone("z1", "il"),))
    await store.sync_coalition(declared)
    before = (await store.partners(), await store.zones())

    await store.sync_coalition(declared)

    assert (await store.partners(), await store.zones()) == before


async def test_sync_refuses_a_zone_of_an_undeclared_partner(store: AlertStore) -> None:
    """A zone whose partner is not declared fails the sync and keeps the previous coalition."""
    await store.sync_coalition(coalition((IL,), (zone("z1", "il"),)))

    with pytest.raises(StoreError):
        await store.sync_coalition(coalition((IL,), (zone("z1", "il"), zone("x1", "xx"))))

    assert await store.partners() == [stored(IL)]
    assert await store.zones() == [zone("z1", "il")]


async def test_sync_to_an_empty_coalition_removes_every_zone(store: AlertStore) -> None:
    """Dropping all zones of a coalition leaves none stored, partners kept as declared."""
    await store.sync_coalition(coalition((IL, JO), (zone("z1", "il"), zone("j1", "jo"))))

    await store.sync_coalition(coalition((IL,)))

    assert await store.zones() == []
    assert await store.partners() == [stored(IL)]


@pytest.mark.postgres
async def test_two_processes_syncing_one_coalition_at_once_both_succeed(pg_url: str) -> None:
    """Two stores on their own connections (two workers starting) sync the same coalition into
    an empty database at once: neither fails on the other's rows, and it is stored once."""
    first, second = await open_store(pg_url), await open_store(pg_url)
    try:
        both = coalition((IL, JO), (zone("z1", "il"),))
        await asyncio.gather(first.sync_coalition(both), second.sync_coalition(both))
        assert await first.partners() == [stored(IL), stored(JO)]
    finally:
        await first.close()
        await second.close()

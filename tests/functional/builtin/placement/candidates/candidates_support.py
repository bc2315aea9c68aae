"""Test support for allocation candidates: a placement database and direct seeding.

Providers, inventories, allocations, traits and aggregates are written straight into
placement's tables (the write path is another module's subject); the read under test
goes through the engine or the HTTP API.
"""

from __future__ import annotations

import contextlib
import uuid as uuidlib
from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.db.models import (
    CUSTOM_CLASS_ID_BASE,
    Allocation,
    Inventory,
    PlacementAggregate,
    ResourceClass,
    ResourceProvider,
    ResourceProviderAggregate,
    ResourceProviderTrait,
    Trait,
)
from novalite.builtin.placement.db.resource_classes import STANDARD
from novalite.db.engine import Database


@contextlib.asynccontextmanager
async def seeding(db: Database) -> AsyncIterator[Seeder]:
    """A :class:`Seeder` whose rows are committed at the end of the block."""
    async with db.connection() as conn:
        await conn.begin()
        yield Seeder(conn)
        await conn.commit()


class Seeder:
    """Writes placement rows directly, on one connection (the caller commits)."""

    def __init__(self, conn: AsyncConnection) -> None:
        self.conn = conn
        self.ids: dict[str, int] = {}
        self.uuids: dict[str, str] = {}

    async def provider(self, name: str, parent: str | None = None) -> str:
        """Create provider ``name`` (under ``parent``); returns its uuid."""
        uuid = str(uuidlib.uuid5(uuidlib.NAMESPACE_DNS, name))
        parent_id = self.ids[parent] if parent else None
        root_id = None
        if parent:
            row = await self.conn.execute(
                select(ResourceProvider.root_provider_id).where(ResourceProvider.id == parent_id)
            )
            root_id = row.scalar_one()
        result = await self.conn.execute(
            insert(ResourceProvider).values(
                uuid=uuid,
                name=name,
                generation=0,
                parent_provider_id=parent_id,
                root_provider_id=root_id,
            )
        )
        pid = int(result.inserted_primary_key[0])  # type: ignore[index]
        if root_id is None:
            await self.conn.execute(
                ResourceProvider.__table__.update()
                .where(ResourceProvider.__table__.c.id == pid)
                .values(root_provider_id=pid)
            )
        self.ids[name], self.uuids[name] = pid, uuid
        return uuid

    async def class_id(self, name: str) -> int:
        """Id of class ``name``, creating a custom class when needed."""
        if name in STANDARD:
            return STANDARD.index(name)
        found = await self.conn.execute(select(ResourceClass.id).where(ResourceClass.name == name))
        existing = found.scalar_one_or_none()
        if existing is not None:
            return int(existing)
        count = await self.conn.execute(select(ResourceClass.id))
        new_id = CUSTOM_CLASS_ID_BASE + len(count.all())
        await self.conn.execute(insert(ResourceClass).values(id=new_id, name=name))
        return new_id

    async def inventory(self, name: str, rc: str, total: int, **fields: Any) -> None:
        """Give provider ``name`` an inventory of ``rc``."""
        await self.conn.execute(
            insert(Inventory).values(
                resource_provider_id=self.ids[name],
                resource_class_id=await self.class_id(rc),
                total=total,
                reserved=fields.get("reserved", 0),
                min_unit=fields.get("min_unit", 1),
                max_unit=fields.get("max_unit", 2147483647),
                step_size=fields.get("step_size", 1),
                allocation_ratio=fields.get("allocation_ratio", 1.0),
            )
        )

    async def allocate(self, name: str, rc: str, used: int, consumer: str | None = None) -> None:
        """Record an allocation of ``used`` ``rc`` on provider ``name``."""
        await self.conn.execute(
            insert(Allocation).values(
                resource_provider_id=self.ids[name],
                consumer_id=consumer or str(uuidlib.uuid4()),
                resource_class_id=await self.class_id(rc),
                used=used,
            )
        )

    async def traits(self, name: str, *traits: str) -> None:
        """Give provider ``name`` these traits (custom ones are created)."""
        for trait in traits:
            found = await self.conn.execute(select(Trait.id).where(Trait.name == trait))
            tid = found.scalar_one_or_none()
            if tid is None:
                tid = (
                    await self.conn.execute(insert(Trait).values(name=trait))
                ).inserted_primary_key[0]  # type: ignore[index]
            await self.conn.execute(
                insert(ResourceProviderTrait).values(
                    resource_provider_id=self.ids[name], trait_id=tid
                )
            )

    async def aggregates(self, name: str, *aggs: str) -> None:
        """Put provider ``name`` in these aggregates (created on first use)."""
        for agg in aggs:
            found = await self.conn.execute(
                select(PlacementAggregate.id).where(PlacementAggregate.uuid == agg)
            )
            aid = found.scalar_one_or_none()
            if aid is None:
                aid = (
                    await self.conn.execute(insert(PlacementAggregate).values(uuid=agg))
                ).inserted_primary_key[0]  # type: ignore[index]
            await self.conn.execute(
                insert(ResourceProviderAggregate).values(
                    resource_provider_id=self.ids[name], aggregate_id=aid
                )
            )

    async def compute(self, name: str, vcpu: int = 8, mem: int = 4096, disk: int = 100) -> str:
        """A compute-node-like root provider with VCPU, MEMORY_MB and DISK_GB."""
        uuid = await self.provider(name)
        await self.inventory(name, "VCPU", vcpu)
        await self.inventory(name, "MEMORY_MB", mem)
        await self.inventory(name, "DISK_GB", disk)
        return uuid

"""Aggregate membership of providers."""

from __future__ import annotations

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db.models import PlacementAggregate, ResourceProviderAggregate


async def of_provider(session: AsyncSession, provider_id: int) -> list[str]:
    """The aggregate uuids of a provider, sorted."""
    rows = await session.execute(
        select(PlacementAggregate.uuid)
        .join(
            ResourceProviderAggregate,
            ResourceProviderAggregate.aggregate_id == PlacementAggregate.id,
        )
        .where(ResourceProviderAggregate.resource_provider_id == provider_id)
        .order_by(PlacementAggregate.uuid)
    )
    return list(rows.scalars())


async def replace_for_provider(session: AsyncSession, provider_id: int, uuids: list[str]) -> None:
    """Make ``uuids`` the provider's exact aggregate set (creating unknown aggregates)."""
    wanted = sorted(set(uuids))
    known = dict(
        (
            await session.execute(
                select(PlacementAggregate.uuid, PlacementAggregate.id).where(
                    PlacementAggregate.uuid.in_(wanted)
                )
            )
        ).all()
    )
    for uuid in wanted:
        if uuid not in known:
            row = PlacementAggregate(uuid=uuid)
            session.add(row)
            await session.flush()
            known[uuid] = row.id
    await session.execute(
        delete(ResourceProviderAggregate).where(
            ResourceProviderAggregate.resource_provider_id == provider_id
        )
    )
    if wanted:
        await session.execute(
            insert(ResourceProviderAggregate),
            [{"resource_provider_id": provider_id, "aggregate_id": known[uuid]} for uuid in wanted],
        )

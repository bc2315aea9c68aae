"""Allocations: reading them and replacing those of several consumers in one transaction.

The write path checks, inside the caller's transaction, the consumer
generations, the inventory constraints and the capacity of every provider it
touches, then bumps each touched provider's generation with a compare-and-set
``UPDATE``: of two concurrent writers to one provider one wins and the other
gets 409 ``placement.concurrent_update``, so capacity can never be exceeded.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import delete, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db import consumers, inventories, providers, resource_classes
from novalite.builtin.placement.db.models import Allocation, Inventory, ResourceProvider
from novalite.builtin.placement.errors import BadRequest, Conflict, ProviderNotFound
from novalite.db.models.base import core_table


@dataclasses.dataclass
class ConsumerRequest:
    """The allocations one consumer should have afterwards (empty: none)."""

    consumer_uuid: str
    project_id: str
    user_id: str
    allocations: dict[str, dict[str, int]]
    consumer_generation: int | None = None
    check_generation: bool = False
    consumer_type: str | None = None


async def of_consumer(
    session: AsyncSession, consumer_uuid: str
) -> dict[str, tuple[int, dict[str, int]]]:
    """``{provider uuid: (provider generation, {class: used})}`` of one consumer."""
    names = await resource_classes.names_by_id(session)
    rows = await session.execute(
        select(
            ResourceProvider.uuid,
            ResourceProvider.generation,
            Allocation.resource_class_id,
            Allocation.used,
        )
        .join(ResourceProvider, ResourceProvider.id == Allocation.resource_provider_id)
        .where(Allocation.consumer_id == consumer_uuid)
    )
    result: dict[str, tuple[int, dict[str, int]]] = {}
    for uuid, generation, class_id, used in rows:
        result.setdefault(uuid, (generation, {}))[1][names[class_id]] = int(used)
    return result


async def of_provider(session: AsyncSession, provider_id: int) -> dict[str, dict[str, int]]:
    """``{consumer uuid: {class: used}}`` on one provider."""
    names = await resource_classes.names_by_id(session)
    rows = await session.execute(
        select(Allocation.consumer_id, Allocation.resource_class_id, Allocation.used).where(
            Allocation.resource_provider_id == provider_id
        )
    )
    result: dict[str, dict[str, int]] = {}
    for consumer, class_id, used in rows:
        result.setdefault(consumer, {})[names[class_id]] = int(used)
    return result


async def _providers(
    session: AsyncSession, requests: list[ConsumerRequest]
) -> dict[str, ResourceProvider]:
    wanted = {uuid for request in requests for uuid in request.allocations}
    found: dict[str, ResourceProvider] = {}
    for uuid in sorted(wanted):
        provider = await providers.get_by_uuid(session, uuid)
        if provider is None:
            raise ProviderNotFound(
                "Unable to allocate inventory: Allocation for resource provider "
                f"'{uuid}' that does not exist."
            )
        found[uuid] = provider
    return found


async def _check_capacity(
    session: AsyncSession,
    provider: ResourceProvider,
    wanted: dict[int, int],
    names: dict[int, str],
    before: dict[int, int],
) -> None:
    """400 for min/max/step violations, 409 beyond capacity.

    Exceeding capacity is accepted when the provider was already over it and the write
    leaves it no worse (``before`` is the usage before this write).
    """
    records = {
        row.resource_class_id: row
        for row in (
            await session.execute(
                select(Inventory).where(Inventory.resource_provider_id == provider.id)
            )
        ).scalars()
    }
    usage = dict(
        (
            await session.execute(
                select(Allocation.resource_class_id, func.sum(Allocation.used))
                .where(Allocation.resource_provider_id == provider.id)
                .group_by(Allocation.resource_class_id)
            )
        ).all()
    )
    for class_id, amount in sorted(wanted.items()):
        name = names[class_id]
        inventory = records.get(class_id)
        if inventory is None:
            raise Conflict(
                f"Unable to allocate inventory: Inventory for '{name}' on resource provider "
                f"'{provider.uuid}' invalid."
            )
        if (
            amount < inventory.min_unit
            or amount > inventory.max_unit
            or amount % inventory.step_size
        ):
            raise BadRequest(
                f"Unable to allocate inventory: Allocation for {name} on resource provider "
                f"{provider.uuid} violates min_unit, max_unit, or step_size. Requested: {amount}, "
                f"min_unit: {inventory.min_unit}, max_unit: {inventory.max_unit}, "
                f"step_size: {inventory.step_size}"
            )
        capacity = (inventory.total - inventory.reserved) * inventory.allocation_ratio
        used = int(usage.get(class_id) or 0)
        if used + amount > capacity and used + amount > before.get(class_id, 0):
            raise Conflict(
                "Unable to allocate inventory: Unable to create allocation for "
                f"'{name}' on resource "
                f"provider '{provider.uuid}'. The requested amount would exceed the capacity."
            )


async def replace(session: AsyncSession, requests: list[ConsumerRequest]) -> None:
    """Give each consumer exactly its requested allocations, atomically (see module doc)."""
    targets = await _providers(session, requests)
    class_names = {
        name for request in requests for res in request.allocations.values() for name in res
    }
    class_ids = await resource_classes.require_ids(session, class_names)
    names = {id_: name for name, id_ in class_ids.items()}
    uuids = [request.consumer_uuid for request in requests]
    previous = await session.execute(
        select(Allocation.resource_provider_id).where(Allocation.consumer_id.in_(uuids)).distinct()
    )
    touched: dict[int, ResourceProvider] = {provider.id: provider for provider in targets.values()}
    for (provider_id,) in previous:
        if provider_id not in touched:
            row = await session.get(ResourceProvider, provider_id)
            if row is not None:
                touched[provider_id] = row
    generations = {provider_id: provider.generation for provider_id, provider in touched.items()}
    for request in requests:
        if request.allocations or request.check_generation:
            await consumers.ensure(
                session,
                request.consumer_uuid,
                request.project_id,
                request.user_id,
                generation=request.consumer_generation,
                check_generation=request.check_generation,
                consumer_type=request.consumer_type,
            )
    before = {p.id: await inventories.usage_by_class(session, p.id) for p in targets.values()}
    await session.execute(delete(Allocation).where(Allocation.consumer_id.in_(uuids)))
    wanted: dict[int, dict[int, int]] = {}
    rows = []
    for request in requests:
        for uuid, resources in request.allocations.items():
            provider = targets[uuid]
            for name, amount in resources.items():
                class_id = class_ids[name]
                per_provider = wanted.setdefault(provider.id, {})
                per_provider[class_id] = per_provider.get(class_id, 0) + amount
                rows.append(
                    {
                        "resource_provider_id": provider.id,
                        "consumer_id": request.consumer_uuid,
                        "resource_class_id": class_id,
                        "used": amount,
                    }
                )
    for provider_id, amounts in sorted(wanted.items()):
        await _check_capacity(session, touched[provider_id], amounts, names, before[provider_id])
    if rows:
        await session.execute(insert(core_table(Allocation)), rows)
    for provider_id in sorted(touched):
        await providers.bump_generation(session, touched[provider_id], generations[provider_id])
    await consumers.delete_if_unused(session, uuids)


async def delete_consumer(session: AsyncSession, consumer_uuid: str) -> bool:
    """Remove all allocations of a consumer (bumping its providers); False if it had none."""
    provider_ids = list(
        (
            await session.execute(
                select(Allocation.resource_provider_id)
                .where(Allocation.consumer_id == consumer_uuid)
                .distinct()
            )
        ).scalars()
    )
    if not provider_ids:
        return False
    await session.execute(delete(Allocation).where(Allocation.consumer_id == consumer_uuid))
    for provider_id in sorted(provider_ids):
        provider = await session.get(ResourceProvider, provider_id)
        if provider is not None:
            await providers.bump_generation(session, provider, provider.generation)
    await consumers.delete_if_unused(session, [consumer_uuid])
    return True

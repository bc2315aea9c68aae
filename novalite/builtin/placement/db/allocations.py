"""Allocations: reading them and replacing those of several consumers in one transaction.

The write path checks, inside the caller's transaction, the consumer
generations, the inventory constraints and the capacity of every provider it
touches, then bumps each touched provider's generation with a compare-and-set
``UPDATE``: of two concurrent writers to one provider one wins and the other
gets 409 ``placement.concurrent_update``, so capacity can never be exceeded.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db import consumers, inventories, providers, resource_classes
from novalite.builtin.placement.db.models import Allocation, ResourceProvider
from novalite.builtin.placement.errors import BadRequest, Conflict, ProviderNotFound
from novalite.db.core import core_table, insert_into
from novalite.db.models.base import utcnow


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


_ALLOCATIONS = core_table(Allocation)
_OF_CONSUMERS = select(
    _ALLOCATIONS.c.resource_provider_id, _ALLOCATIONS.c.resource_class_id, _ALLOCATIONS.c.used
).where(_ALLOCATIONS.c.consumer_id.in_(bindparam("uuids", expanding=True)))
_DELETE_OF_CONSUMERS = delete(_ALLOCATIONS).where(
    _ALLOCATIONS.c.consumer_id.in_(bindparam("uuids", expanding=True))
)


async def _providers(
    session: AsyncSession, requests: list[ConsumerRequest]
) -> dict[str, providers.ProviderRef]:
    """The providers the requests allocate from, by uuid; 400 naming the first unknown one."""
    wanted = sorted({uuid for request in requests for uuid in request.allocations})
    if not wanted:
        return {}
    found = await providers.refs_by_uuid(session, wanted)
    for uuid in wanted:
        if uuid not in found:
            raise ProviderNotFound(
                "Unable to allocate inventory: Allocation for resource provider "
                f"'{uuid}' that does not exist."
            )
    return found


async def _previous(session: AsyncSession, uuids: list[str]) -> dict[int, dict[int, int]]:
    """``{provider id: {class id: used}}`` of the consumers ``uuids`` before the write."""
    result: dict[int, dict[int, int]] = {}
    for row in await session.execute(_OF_CONSUMERS, {"uuids": uuids}):
        per_provider = result.setdefault(row.resource_provider_id, {})
        per_provider[row.resource_class_id] = per_provider.get(row.resource_class_id, 0) + int(
            row.used
        )
    return result


def _check_capacity(
    provider: providers.ProviderRef,
    wanted: dict[int, int],
    *,
    names: dict[int, str],
    records: dict[int, inventories.InventoryData],
    usage: dict[int, int],
    before: dict[int, int],
) -> None:
    """400 for min/max/step violations, 409 beyond capacity.

    ``usage`` is the provider's usage without the written consumers' allocations.
    Exceeding capacity is accepted when the provider was already over it and the write
    leaves it no worse (``before`` is the usage before this write).
    """
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
        used = usage.get(class_id, 0)
        if used + amount > capacity and used + amount > before.get(class_id, 0):
            raise Conflict(
                "Unable to allocate inventory: Unable to create allocation for "
                f"'{name}' on resource "
                f"provider '{provider.uuid}'. The requested amount would exceed the capacity."
            )


def _rows(
    requests: list[ConsumerRequest],
    targets: dict[str, providers.ProviderRef],
    class_ids: dict[str, int],
) -> tuple[list[dict[str, object]], dict[int, dict[int, int]]]:
    """The allocation rows to insert and ``{provider id: {class id: amount}}`` they add up to."""
    wanted: dict[int, dict[int, int]] = {}
    rows: list[dict[str, object]] = []
    for request in requests:
        for uuid, resources in request.allocations.items():
            provider_id = targets[uuid].id
            for name, amount in resources.items():
                class_id = class_ids[name]
                per_provider = wanted.setdefault(provider_id, {})
                per_provider[class_id] = per_provider.get(class_id, 0) + amount
                rows.append(
                    {
                        "resource_provider_id": provider_id,
                        "consumer_id": request.consumer_uuid,
                        "resource_class_id": class_id,
                        "used": amount,
                    }
                )
    return rows, wanted


async def _ensure_consumers(session: AsyncSession, requests: list[ConsumerRequest]) -> None:
    """Create or update (checking generations) the consumers that get allocations or ask a check."""
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


def _without(usage: dict[int, int], removed: dict[int, int]) -> dict[int, int]:
    """``usage`` less ``removed``, per class id."""
    return {class_id: used - removed.get(class_id, 0) for class_id, used in usage.items()}


async def replace(session: AsyncSession, requests: list[ConsumerRequest]) -> None:
    """Give each consumer exactly its requested allocations, atomically (see module doc).

    The usage a capacity check needs (without the consumers' previous allocations) is
    the usage read before the delete less those allocations: every writer of a provider's
    allocations bumps its generation, so a change in between fails this write's bump.
    Consumers that get allocations are not candidates for deletion afterwards.
    """
    targets = await _providers(session, requests)
    class_names = {
        name for request in requests for res in request.allocations.values() for name in res
    }
    class_ids = await resource_classes.require_ids(session, class_names)
    names = {id_: name for name, id_ in class_ids.items()}
    uuids = [request.consumer_uuid for request in requests]
    previous = await _previous(session, uuids)
    touched = {provider.id: provider for provider in targets.values()}
    missing = sorted(set(previous) - set(touched))
    if missing:
        touched.update(await providers.refs_by_id(session, missing))
    await _ensure_consumers(session, requests)
    rows, wanted = _rows(requests, targets, class_ids)
    checked = sorted(wanted)
    before = await inventories.usage_by_provider(session, checked) if checked else {}
    await session.execute(_DELETE_OF_CONSUMERS, {"uuids": uuids})
    if checked:
        records = await inventories.records_by_provider(session, checked)
        for provider_id in checked:
            usage = before.get(provider_id, {})
            _check_capacity(
                touched[provider_id],
                wanted[provider_id],
                names=names,
                records=records.get(provider_id, {}),
                usage=_without(usage, previous.get(provider_id, {})),
                before=usage,
            )
    if rows:
        await session.execute(insert_into(Allocation), rows)
    now = utcnow()
    for provider_id in sorted(touched):
        provider = touched[provider_id]
        await providers.bump(session, provider.id, provider.uuid, provider.generation, now)
    await consumers.delete_if_unused(
        session, [request.consumer_uuid for request in requests if not request.allocations]
    )


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

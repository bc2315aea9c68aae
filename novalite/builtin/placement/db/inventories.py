"""Inventories of a provider and the capacity rules shared with allocation writes."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db import resource_classes
from novalite.builtin.placement.db.models import Allocation, Inventory, ResourceProvider
from novalite.builtin.placement.errors import BadRequest, InventoryInUse
from novalite.db.core import core_table

#: Defaults of omitted inventory fields.
DEFAULTS: dict[str, Any] = {
    "reserved": 0,
    "min_unit": 1,
    "max_unit": 2147483647,
    "step_size": 1,
    "allocation_ratio": 1.0,
}
FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")

_ALLOCATIONS = core_table(Allocation)
_INVENTORIES = core_table(Inventory)
_USAGE = (
    select(
        _ALLOCATIONS.c.resource_provider_id,
        _ALLOCATIONS.c.resource_class_id,
        func.sum(_ALLOCATIONS.c.used).label("used"),
    )
    .where(_ALLOCATIONS.c.resource_provider_id.in_(bindparam("provider_ids", expanding=True)))
    .group_by(_ALLOCATIONS.c.resource_provider_id, _ALLOCATIONS.c.resource_class_id)
)
_RECORDS = select(
    _INVENTORIES.c.resource_provider_id,
    _INVENTORIES.c.resource_class_id,
    *(_INVENTORIES.c[name] for name in FIELDS),
).where(_INVENTORIES.c.resource_provider_id.in_(bindparam("provider_ids", expanding=True)))


@dataclasses.dataclass
class InventoryData:
    """One inventory record as the API shows it."""

    total: int
    reserved: int = 0
    min_unit: int = 1
    max_unit: int = 2147483647
    step_size: int = 1
    allocation_ratio: float = 1.0

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> InventoryData:
        """Fields from a request body, defaults for the missing ones."""
        values = {**DEFAULTS, **{key: body[key] for key in FIELDS if key in body}}
        return cls(**values)

    @classmethod
    def from_row(cls, row: Inventory) -> InventoryData:
        """From a table row."""
        return cls(**{key: getattr(row, key) for key in FIELDS})

    def as_dict(self) -> dict[str, Any]:
        """The API form."""
        return dataclasses.asdict(self)

    @property
    def capacity(self) -> int:
        """``int((total - reserved) * allocation_ratio)``."""
        return int((self.total - self.reserved) * self.allocation_ratio)


def check_record(
    rc: str, data: InventoryData, provider_uuid: str, *, reserved_may_equal_total: bool
) -> None:
    """400 for a record whose reserved/min/max make no sense (1.26 rule on reserved == total)."""
    if data.reserved > data.total or (data.reserved == data.total and not reserved_may_equal_total):
        relation = "greater than" if reserved_may_equal_total else "greater than or equal to"
        raise BadRequest(
            f"Unable to update inventory for resource provider {provider_uuid}: "
            f"Invalid inventory for '{rc}' on resource provider '{provider_uuid}'. "
            f"The reserved value is {relation} total."
        )
    if data.min_unit > data.max_unit:
        raise BadRequest(
            f"Unable to update inventory for resource provider {provider_uuid}: "
            f"Invalid inventory for '{rc}' on resource provider '{provider_uuid}'. "
            "The min_unit value is greater than max_unit."
        )


async def of_provider(session: AsyncSession, provider_id: int) -> dict[str, InventoryData]:
    """The provider's inventories by class name."""
    names = await resource_classes.names_by_id(session)
    rows = await session.execute(
        select(Inventory).where(Inventory.resource_provider_id == provider_id)
    )
    return {names[row.resource_class_id]: InventoryData.from_row(row) for row in rows.scalars()}


async def usage_by_class(session: AsyncSession, provider_id: int) -> dict[int, int]:
    """Sum of allocations per class id of one provider."""
    rows = await session.execute(
        select(Allocation.resource_class_id, func.sum(Allocation.used))
        .where(Allocation.resource_provider_id == provider_id)
        .group_by(Allocation.resource_class_id)
    )
    return {class_id: int(total) for class_id, total in rows}


async def usage_by_provider(
    session: AsyncSession, provider_ids: list[int]
) -> dict[int, dict[int, int]]:
    """``{provider id: {class id: sum of allocations}}`` (providers without any left out)."""
    result: dict[int, dict[int, int]] = {}
    for row in await session.execute(_USAGE, {"provider_ids": provider_ids}):
        result.setdefault(row.resource_provider_id, {})[row.resource_class_id] = int(row.used)
    return result


async def records_by_provider(
    session: AsyncSession, provider_ids: list[int]
) -> dict[int, dict[int, InventoryData]]:
    """``{provider id: {class id: inventory}}`` (providers without any left out)."""
    result: dict[int, dict[int, InventoryData]] = {}
    for row in await session.execute(_RECORDS, {"provider_ids": provider_ids}):
        result.setdefault(row.resource_provider_id, {})[row.resource_class_id] = InventoryData(
            row.total,
            row.reserved,
            row.min_unit,
            row.max_unit,
            row.step_size,
            row.allocation_ratio,
        )
    return result


async def replace(
    session: AsyncSession,
    provider: ResourceProvider,
    inventories: Mapping[str, InventoryData],
    *,
    reserved_may_equal_total: bool,
) -> None:
    """Make ``inventories`` the provider's exact set (no generation check here).

    409 ``placement.inventory.inuse`` when a removed class still has allocations.
    """
    ids = await resource_classes.ids_of(session, list(inventories))
    existing = {
        row.resource_class_id: row
        for row in (
            await session.execute(
                select(Inventory).where(Inventory.resource_provider_id == provider.id)
            )
        ).scalars()
    }
    for name in sorted(inventories):
        if name not in ids:
            raise BadRequest(
                f"Unknown resource class in inventory for resource provider {provider.uuid}: {name}"
            )
        row = existing.get(ids[name])
        if row is not None and InventoryData.from_row(row) == inventories[name]:
            continue
        check_record(
            name,
            inventories[name],
            provider.uuid,
            reserved_may_equal_total=reserved_may_equal_total,
        )
    wanted = {ids[name]: data for name, data in inventories.items()}
    removed = set(existing) - set(wanted)
    if removed:
        usage = await usage_by_class(session, provider.id)
        in_use = sorted(class_id for class_id in removed if usage.get(class_id))
        if in_use:
            names = await resource_classes.names_by_id(session)
            raise InventoryInUse(
                "update conflict: Inventory for "
                f"'{', '.join(names[i] for i in in_use)}' on resource "
                f"provider '{provider.uuid}' in use."
            )
        await session.execute(
            delete(Inventory).where(
                Inventory.resource_provider_id == provider.id,
                Inventory.resource_class_id.in_(removed),
            )
        )
    for class_id, data in wanted.items():
        row = existing.get(class_id)
        if row is None:
            session.add(
                Inventory(
                    resource_provider_id=provider.id, resource_class_id=class_id, **data.as_dict()
                )
            )
        else:
            for key, value in data.as_dict().items():
                setattr(row, key, value)
    await session.flush()

"""Resource classes: standard ones by os-resource-classes position, custom ones in a table."""

from __future__ import annotations

import datetime

import os_resource_classes  # type: ignore[import-untyped]
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db.models import CUSTOM_CLASS_ID_BASE, Inventory, ResourceClass
from novalite.builtin.placement.errors import BadRequest, Conflict, NotFound

#: Standard classes in their historic order (id = position).
STANDARD: tuple[str, ...] = tuple(os_resource_classes.STANDARDS)
_STANDARD_IDS = {name: index for index, name in enumerate(STANDARD)}


def is_custom(name: str) -> bool:
    """Whether ``name`` is a custom class name."""
    return name.startswith("CUSTOM_")


async def all_classes(session: AsyncSession) -> list[tuple[str, datetime.datetime | None]]:
    """Every class (standard first) with its last-modified time (None for standard)."""
    rows = (await session.execute(select(ResourceClass).order_by(ResourceClass.id))).scalars()
    custom = [(row.name, row.updated_at or row.created_at) for row in rows]
    return [(name, None) for name in STANDARD] + custom


async def get(session: AsyncSession, name: str) -> ResourceClass | None:
    """The custom class row called ``name`` (None if none or standard)."""
    return (
        await session.execute(select(ResourceClass).where(ResourceClass.name == name))
    ).scalar_one_or_none()


async def exists(session: AsyncSession, name: str) -> bool:
    """Whether the class exists (standard or custom)."""
    return name in _STANDARD_IDS or await get(session, name) is not None


async def id_of(session: AsyncSession, name: str) -> int | None:
    """The id of class ``name`` (None if unknown)."""
    if name in _STANDARD_IDS:
        return _STANDARD_IDS[name]
    row = await get(session, name)
    return row.id if row is not None else None


async def ids_of(session: AsyncSession, names: set[str] | list[str]) -> dict[str, int]:
    """Ids of the known classes among ``names``."""
    result = {name: _STANDARD_IDS[name] for name in names if name in _STANDARD_IDS}
    custom = [name for name in names if name not in _STANDARD_IDS]
    if custom:
        rows = await session.execute(
            select(ResourceClass.name, ResourceClass.id).where(ResourceClass.name.in_(custom))
        )
        result.update({name: id_ for name, id_ in rows})
    return result


async def require_ids(session: AsyncSession, names: set[str] | list[str]) -> dict[str, int]:
    """Ids of ``names``; 400 naming the first unknown class."""
    ids = await ids_of(session, names)
    for name in sorted(names):
        if name not in ids:
            raise BadRequest(f"Unknown resource class in inventory or allocation: {name}")
    return ids


async def names_by_id(session: AsyncSession) -> dict[int, str]:
    """Every class name by id."""
    result = dict(enumerate(STANDARD))
    rows = await session.execute(select(ResourceClass.id, ResourceClass.name))
    result.update({id_: name for id_, name in rows})
    return result


async def create(session: AsyncSession, name: str) -> ResourceClass:
    """Add custom class ``name``; 409 if it exists."""
    if await exists(session, name):
        raise Conflict(f"Conflicting resource class already exists: {name}")
    highest = (await session.execute(select(func.max(ResourceClass.id)))).scalar()
    row = ResourceClass(id=max(highest or 0, CUSTOM_CLASS_ID_BASE - 1) + 1, name=name)
    session.add(row)
    await session.flush()
    return row


async def delete(session: AsyncSession, name: str) -> None:
    """Remove custom class ``name``; 400 standard, 404 unknown, 409 in use."""
    if name in _STANDARD_IDS:
        raise BadRequest(f"Cannot delete standard resource class {name}: ")
    row = await get(session, name)
    if row is None:
        raise NotFound(f"No such resource class {name}.")
    used = await session.execute(
        select(Inventory.id).where(Inventory.resource_class_id == row.id).limit(1)
    )
    if used.first() is not None:
        raise Conflict(f"Unable to delete resource class {name}. Class is in use in inventory.")
    await session.delete(row)


async def rename(session: AsyncSession, name: str, new_name: str) -> ResourceClass:
    """Rename custom class ``name`` (1.2-1.6 PUT)."""
    if name in _STANDARD_IDS:
        raise BadRequest(f"Cannot update standard resource class {name}")
    row = await get(session, name)
    if row is None:
        raise NotFound(f"No such resource class {name}.")
    if await exists(session, new_name):
        raise Conflict(f"Resource class already exists: {new_name}")
    row.name = new_name
    await session.flush()
    return row

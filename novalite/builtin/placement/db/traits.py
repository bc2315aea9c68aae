"""Traits: the os-traits standard set (synced at start-up), custom traits, provider traits."""

from __future__ import annotations

import datetime

import os_traits  # type: ignore[import-untyped]
from sqlalchemy import delete, exists, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db.models import ResourceProviderTrait, Trait
from novalite.builtin.placement.errors import BadRequest, Conflict, NotFound


async def sync_standard(session: AsyncSession) -> int:
    """Add the os-traits standard traits missing from the table; returns how many."""
    present = set((await session.execute(select(Trait.name))).scalars())
    missing = [name for name in os_traits.get_traits() if name not in present]
    if missing:
        await session.execute(insert(Trait), [{"name": name} for name in missing])
    return len(missing)


async def list_traits(
    session: AsyncSession,
    *,
    names: list[str] | None = None,
    prefix: str | None = None,
    associated: bool | None = None,
) -> list[str]:
    """Trait names, filtered like ``GET /traits``."""
    query = select(Trait.name).order_by(Trait.name)
    if names is not None:
        query = query.where(Trait.name.in_(names))
    if prefix is not None:
        query = query.where(Trait.name.startswith(prefix, autoescape=True))
    if associated is not None:
        linked = exists().where(ResourceProviderTrait.trait_id == Trait.id)
        query = query.where(linked if associated else ~linked)
    return list((await session.execute(query)).scalars())


async def get(session: AsyncSession, name: str) -> Trait | None:
    """The trait called ``name``."""
    return (await session.execute(select(Trait).where(Trait.name == name))).scalar_one_or_none()


async def ensure(session: AsyncSession, name: str) -> bool:
    """Create custom trait ``name`` unless it exists; True if created."""
    if await get(session, name) is not None:
        return False
    session.add(Trait(name=name))
    await session.flush()
    return True


async def delete_trait(session: AsyncSession, name: str) -> None:
    """Delete a custom trait: 400 standard, 404 unknown, 409 associated."""
    if not name.startswith("CUSTOM_"):
        raise BadRequest(f"Cannot delete standard trait {name}.")
    row = await get(session, name)
    if row is None:
        raise NotFound(f"No such trait(s): {name}.")
    used = await session.execute(
        select(ResourceProviderTrait.trait_id)
        .where(ResourceProviderTrait.trait_id == row.id)
        .limit(1)
    )
    if used.first() is not None:
        raise Conflict(f"The trait {name} is in use by a resource provider.")
    await session.delete(row)


async def ids_of(session: AsyncSession, names: set[str] | list[str]) -> dict[str, int]:
    """Ids of the existing traits among ``names``."""
    if not names:
        return {}
    rows = await session.execute(select(Trait.name, Trait.id).where(Trait.name.in_(list(names))))
    return {name: id_ for name, id_ in rows}


async def require_ids(session: AsyncSession, names: set[str] | list[str]) -> dict[str, int]:
    """Ids of ``names``; 400 listing the unknown ones."""
    ids = await ids_of(session, names)
    unknown = sorted(set(names) - set(ids))
    if unknown:
        raise BadRequest(f"No such trait(s): {', '.join(unknown)}")
    return ids


async def of_provider(session: AsyncSession, provider_id: int) -> list[str]:
    """The trait names of a provider, sorted."""
    rows = await session.execute(
        select(Trait.name)
        .join(ResourceProviderTrait, ResourceProviderTrait.trait_id == Trait.id)
        .where(ResourceProviderTrait.resource_provider_id == provider_id)
        .order_by(Trait.name)
    )
    return list(rows.scalars())


async def replace_for_provider(
    session: AsyncSession, provider_id: int, trait_ids: list[int]
) -> None:
    """Make ``trait_ids`` the provider's exact trait set."""
    await session.execute(
        delete(ResourceProviderTrait).where(
            ResourceProviderTrait.resource_provider_id == provider_id
        )
    )
    if trait_ids:
        await session.execute(
            insert(ResourceProviderTrait),
            [
                {"resource_provider_id": provider_id, "trait_id": id_}
                for id_ in sorted(set(trait_ids))
            ],
        )


def last_modified(rows: list[Trait]) -> datetime.datetime | None:
    """The latest change among some trait rows."""
    stamps = [stamp for row in rows if (stamp := row.updated_at or row.created_at) is not None]
    return max(stamps) if stamps else None

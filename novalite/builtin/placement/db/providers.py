"""Resource providers: lookup, create/update/delete, generations, filtered listing."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.elements import ColumnElement

from novalite.builtin.placement.db.models import (
    Allocation,
    Inventory,
    PlacementAggregate,
    ResourceProvider,
    ResourceProviderAggregate,
    ResourceProviderTrait,
)
from novalite.builtin.placement.errors import (
    BadRequest,
    DuplicateName,
    NotFound,
    ProviderGenerationConflict,
    ProviderInUse,
)
from novalite.db.core import core_table
from novalite.db.models.base import utcnow as _utcnow


@dataclasses.dataclass(frozen=True)
class TraitFilter:
    """``required``: every group in ``any_of`` needs one of its ids; ``forbidden`` none."""

    any_of: tuple[frozenset[int], ...] = ()
    forbidden: frozenset[int] = frozenset()


@dataclasses.dataclass(frozen=True)
class AggregateFilter:
    """``member_of``: in one of each ``any_of`` group, in none of ``forbidden`` (uuids)."""

    any_of: tuple[frozenset[str], ...] = ()
    forbidden: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class ProviderRef:
    """What an allocation write needs of a provider: its id, uuid and generation."""

    id: int
    uuid: str
    generation: int


_PROVIDERS = core_table(ResourceProvider)
_BY_UUID = select(ResourceProvider).where(ResourceProvider.uuid == bindparam("uuid"))
_REFS_BY_UUID = select(_PROVIDERS.c.id, _PROVIDERS.c.uuid, _PROVIDERS.c.generation).where(
    _PROVIDERS.c.uuid.in_(bindparam("uuids", expanding=True))
)
_REFS_BY_ID = select(_PROVIDERS.c.id, _PROVIDERS.c.uuid, _PROVIDERS.c.generation).where(
    _PROVIDERS.c.id.in_(bindparam("ids", expanding=True))
)
_BUMP = update(_PROVIDERS).where(
    _PROVIDERS.c.id == bindparam("b_id"), _PROVIDERS.c.generation == bindparam("b_generation")
)


async def get_by_uuid(session: AsyncSession, uuid: str) -> ResourceProvider | None:
    """The provider with ``uuid``."""
    return (await session.execute(_BY_UUID, {"uuid": uuid})).scalar_one_or_none()


async def refs_by_uuid(session: AsyncSession, uuids: list[str]) -> dict[str, ProviderRef]:
    """The existing providers among ``uuids``, by uuid."""
    rows = await session.execute(_REFS_BY_UUID, {"uuids": uuids})
    return {row.uuid: ProviderRef(row.id, row.uuid, row.generation) for row in rows}


async def refs_by_id(session: AsyncSession, ids: list[int]) -> dict[int, ProviderRef]:
    """The existing providers among ``ids``, by id."""
    rows = await session.execute(_REFS_BY_ID, {"ids": ids})
    return {row.id: ProviderRef(row.id, row.uuid, row.generation) for row in rows}


async def require(session: AsyncSession, uuid: str) -> ResourceProvider:
    """The provider with ``uuid``; 404 if none."""
    provider = await get_by_uuid(session, uuid)
    if provider is None:
        raise NotFound(f"No resource provider with uuid {uuid} found")
    return provider


async def uuids_by_id(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """Provider uuids by id."""
    if not ids:
        return {}
    rows = await session.execute(
        select(ResourceProvider.id, ResourceProvider.uuid).where(ResourceProvider.id.in_(ids))
    )
    return {id_: uuid for id_, uuid in rows}


async def bump(
    session: AsyncSession,
    provider_id: int,
    uuid: str,
    expected: int,
    now: datetime.datetime | None = None,
) -> int:
    """Increment the generation if it is still ``expected``; 409 concurrent_update otherwise.

    Atomic: a single ``UPDATE ... WHERE generation = :expected``, so of two
    concurrent writers only one can win. ``updated_at`` becomes ``now`` (default: now).
    """
    result = await session.execute(
        _BUMP,
        {
            "generation": expected + 1,
            "updated_at": now or _utcnow(),
            "b_id": provider_id,
            "b_generation": expected,
        },
    )
    if cast(CursorResult[Any], result).rowcount != 1:
        raise ProviderGenerationConflict(
            f"resource provider generation conflict: {uuid} changed while being updated"
        )
    return expected + 1


async def bump_generation(session: AsyncSession, provider: ResourceProvider, expected: int) -> int:
    """:func:`bump` for a loaded provider, whose generation and ``updated_at`` then read
    the new values.

    They are set as already stored: the session has nothing to write back, so a later
    flush cannot overwrite a generation bumped again meanwhile by :func:`bump`.
    """
    now = _utcnow()
    generation = await bump(session, provider.id, provider.uuid, expected, now)
    set_committed_value(provider, "generation", generation)
    set_committed_value(provider, "updated_at", now)
    return generation


async def _check_unique(
    session: AsyncSession, uuid: str | None, name: str, skip_id: int | None = None
) -> None:
    if uuid is not None and await get_by_uuid(session, uuid) is not None:
        raise DuplicateName(f"Conflicting resource provider uuid: {uuid} already exists.")
    query = select(ResourceProvider.id).where(ResourceProvider.name == name)
    if skip_id is not None:
        query = query.where(ResourceProvider.id != skip_id)
    if (await session.execute(query)).first() is not None:
        raise DuplicateName(f"Conflicting resource provider name: {name} already exists.")


async def create(
    session: AsyncSession, uuid: str, name: str, parent_uuid: str | None
) -> ResourceProvider:
    """Add a provider (root unless ``parent_uuid``); 409 duplicate_name, 400 unknown parent."""
    await _check_unique(session, uuid, name)
    parent = None
    if parent_uuid is not None:
        parent = await get_by_uuid(session, parent_uuid)
        if parent is None:
            raise BadRequest(f"parent provider UUID does not exist: {parent_uuid}")
    provider = ResourceProvider(uuid=uuid, name=name, generation=0)
    session.add(provider)
    await session.flush()
    provider.parent_provider_id = parent.id if parent else None
    provider.root_provider_id = (parent.root_provider_id or parent.id) if parent else provider.id
    await session.flush()
    return provider


async def _descendant_ids(session: AsyncSession, provider: ResourceProvider) -> set[int]:
    rows = await session.execute(
        select(ResourceProvider.id, ResourceProvider.parent_provider_id).where(
            ResourceProvider.root_provider_id == provider.root_provider_id
        )
    )
    children: dict[int, list[int]] = {}
    for id_, parent_id in rows:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(id_)
    found: set[int] = set()
    pending = [provider.id]
    while pending:
        for child in children.get(pending.pop(), []):
            if child not in found:
                found.add(child)
                pending.append(child)
    return found


async def update_provider(
    session: AsyncSession,
    provider: ResourceProvider,
    name: str,
    parent_uuid: str | None,
    *,
    parent_given: bool,
    allow_reparent: bool,
) -> None:
    """Rename and (1.14) set the parent; re-parenting/un-parenting only with ``allow_reparent``."""
    await _check_unique(session, None, name, skip_id=provider.id)
    provider.name = name
    if parent_given:
        current = provider.parent_provider_id
        parent = None
        if parent_uuid is not None:
            parent = await get_by_uuid(session, parent_uuid)
            if parent is None:
                raise BadRequest(f"parent provider UUID does not exist: {parent_uuid}")
        new_parent_id = parent.id if parent else None
        if new_parent_id != current:
            if current is not None and not allow_reparent:
                raise BadRequest("re-parenting a provider is not currently allowed.")
            subtree = await _descendant_ids(session, provider)
            if parent is not None and (parent.id == provider.id or parent.id in subtree):
                raise BadRequest("creating loop in the provider tree is not allowed.")
            new_root = (parent.root_provider_id or parent.id) if parent else provider.id
            provider.parent_provider_id = new_parent_id
            provider.root_provider_id = new_root
            if subtree:
                await session.execute(
                    update(ResourceProvider)
                    .where(ResourceProvider.id.in_(subtree))
                    .values(root_provider_id=new_root)
                    .execution_options(synchronize_session=False)
                )
    provider.updated_at = _utcnow()
    await session.flush()


async def delete_provider(session: AsyncSession, provider: ResourceProvider) -> None:
    """Remove a provider with its inventory, traits and aggregate links; 409 if in use."""
    has_alloc = await session.execute(
        select(Allocation.id).where(Allocation.resource_provider_id == provider.id).limit(1)
    )
    if has_alloc.first() is not None:
        raise ProviderInUse(
            f"Unable to delete resource provider {provider.uuid}: "
            "Resource provider has allocations."
        )
    has_child = await session.execute(
        select(ResourceProvider.id)
        .where(ResourceProvider.parent_provider_id == provider.id)
        .limit(1)
    )
    if has_child.first() is not None:
        raise ProviderInUse(
            f"Unable to delete parent resource provider {provider.uuid}: "
            "It has child resource providers."
        )
    for table, column in (
        (Inventory, Inventory.resource_provider_id),
        (ResourceProviderTrait, ResourceProviderTrait.resource_provider_id),
        (ResourceProviderAggregate, ResourceProviderAggregate.resource_provider_id),
    ):
        await session.execute(table.__table__.delete().where(column == provider.id))  # type: ignore[attr-defined]
    await session.execute(
        update(ResourceProvider)
        .where(ResourceProvider.id == provider.id)
        .values(root_provider_id=None)
    )
    await session.delete(provider)
    await session.flush()


def _trait_clauses(filters: TraitFilter) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    for group in filters.any_of:
        clauses.append(
            exists().where(
                ResourceProviderTrait.resource_provider_id == ResourceProvider.id,
                ResourceProviderTrait.trait_id.in_(group),
            )
        )
    if filters.forbidden:
        clauses.append(
            ~exists().where(
                ResourceProviderTrait.resource_provider_id == ResourceProvider.id,
                ResourceProviderTrait.trait_id.in_(filters.forbidden),
            )
        )
    return clauses


def _member_clause(uuids: frozenset[str]) -> ColumnElement[bool]:
    return exists().where(
        ResourceProviderAggregate.resource_provider_id == ResourceProvider.id,
        ResourceProviderAggregate.aggregate_id == PlacementAggregate.id,
        PlacementAggregate.uuid.in_(uuids),
    )


async def list_providers(
    session: AsyncSession,
    *,
    name: str | None = None,
    uuid: str | None = None,
    in_tree: str | None = None,
    member_of: AggregateFilter | None = None,
    traits: TraitFilter | None = None,
    resources: dict[int, int] | None = None,
) -> list[ResourceProvider]:
    """Providers matching every given filter, ordered by id."""
    query = select(ResourceProvider).order_by(ResourceProvider.id)
    if name is not None:
        query = query.where(ResourceProvider.name == name)
    if uuid is not None:
        query = query.where(ResourceProvider.uuid == uuid)
    if in_tree is not None:
        tree = await get_by_uuid(session, in_tree)
        if tree is None:
            return []
        query = query.where(ResourceProvider.root_provider_id == tree.root_provider_id)
    if member_of is not None:
        for group in member_of.any_of:
            query = query.where(_member_clause(group))
        if member_of.forbidden:
            query = query.where(~_member_clause(member_of.forbidden))
    if traits is not None:
        for clause in _trait_clauses(traits):
            query = query.where(clause)
    for class_id, amount in (resources or {}).items():
        inv = aliased(Inventory)
        used = (
            select(func.coalesce(func.sum(Allocation.used), 0))
            .where(
                Allocation.resource_provider_id == inv.resource_provider_id,
                Allocation.resource_class_id == class_id,
            )
            .scalar_subquery()
        )
        query = query.where(
            exists().where(
                and_(
                    inv.resource_provider_id == ResourceProvider.id,
                    inv.resource_class_id == class_id,
                    used + amount <= (inv.total - inv.reserved) * inv.allocation_ratio,
                    inv.min_unit <= amount,
                    inv.max_unit >= amount,
                    or_(inv.step_size <= 1, amount % inv.step_size == 0),
                )
            )
        )
    return list((await session.execute(query)).scalars())

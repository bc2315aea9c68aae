"""The general path's reads: what can supply each group, and the trees involved.

Queries: one per (group, class) for the suppliers (capacity and per-provider filters in
SQL), one for the sharing providers and their trees, then per chunk of tree roots one for
the tree shapes, one for the request's traits and one per resourceless group.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.candidates.combine import GroupSupply, World
from novalite.builtin.placement.candidates.fastpath import SHARES_TRAIT
from novalite.builtin.placement.candidates.lookup import GroupFilter, ResolvedRequest
from novalite.builtin.placement.candidates.sql import (
    INV,
    RP,
    RPA,
    RPT,
    aggregate_filters,
    fits,
    rows_in_chunks,
    trait_filters,
    used_of,
)
from novalite.builtin.placement.candidates.summaries import capacity
from novalite.builtin.placement.db.models import Trait

_TRAIT = Trait.__table__


def _provider_filters(group: GroupFilter, *, with_required: bool) -> list[Any]:
    required = group.required if with_required else ()
    conds = trait_filters(RP.c.id, required, group.forbidden)
    conds += aggregate_filters(
        [RP.c.id, RP.c.root_provider_id], group.member_of, group.forbidden_aggs
    )
    if group.in_tree_root is not None:
        conds.append(RP.c.root_provider_id == group.in_tree_root)
    return conds


#: Root ids ``(lowest, highest)`` a batch covers, and the sharing providers (always read).
Batch = tuple[tuple[int, int], frozenset[int]]


def supply_stmt(
    group: GroupFilter, class_id: int, amount: int, batch: Batch | None = None
) -> Select[Any]:
    """Providers able to give ``amount`` of ``class_id`` to ``group``, with their numbers.

    With a ``batch``: only those in trees whose root id is in its range, plus the sharing
    providers wherever they are.
    """
    conds = [INV.c.resource_class_id == class_id, fits(INV, class_id, amount)]
    conds += _provider_filters(group, with_required=group.use_same_provider)
    if batch is not None:
        (low, high), sharing = batch
        in_range = RP.c.root_provider_id.between(low, high)
        conds.append(or_(in_range, RP.c.id.in_(sorted(sharing))) if sharing else in_range)
    return (
        select(
            RP.c.id,
            RP.c.root_provider_id,
            INV.c.total,
            INV.c.reserved,
            INV.c.allocation_ratio,
            used_of(RP.c.id, class_id),
        )
        .select_from(INV.join(RP, RP.c.id == INV.c.resource_provider_id))
        .where(and_(*conds))
        .order_by(RP.c.id)
    )


def _sharing_stmt() -> Select[Any]:
    return (
        select(RPT.c.resource_provider_id)
        .join(_TRAIT, _TRAIT.c.id == RPT.c.trait_id)
        .where(_TRAIT.c.name == SHARES_TRAIT)
    )


def _associations_stmt(chunk: list[int]) -> Select[Any]:
    mine = RPA.alias("mine")
    other = RPA.alias("other")
    return (
        select(mine.c.resource_provider_id, RP.c.root_provider_id)
        .select_from(
            mine.join(other, other.c.aggregate_id == mine.c.aggregate_id).join(
                RP, RP.c.id == other.c.resource_provider_id
            )
        )
        .where(mine.c.resource_provider_id.in_(chunk))
        .distinct()
    )


async def sharing_providers(conn: AsyncConnection) -> frozenset[int]:
    """Every provider with the ``MISC_SHARES_VIA_AGGREGATE`` trait (usually a handful)."""
    return frozenset(int(r[0]) for r in await conn.execute(_sharing_stmt()))


async def load(
    conn: AsyncConnection, resolved: ResolvedRequest, batch: Batch | None = None
) -> tuple[World, list[GroupSupply]]:
    """Everything :class:`~.combine.Combiner` needs for ``resolved`` (within ``batch``)."""
    world = World(parent={}, root={}, traits={}, free={})
    supplies: list[GroupSupply] = []
    for group in resolved.groups:
        supply = GroupSupply(group)
        for class_id, amount in sorted(group.resources.items()):
            providers = []
            free = world.free.setdefault(class_id, {})
            for pid, root, total, reserved, ratio, used in await conn.execute(
                supply_stmt(group, class_id, amount, batch)
            ):
                providers.append(int(pid))
                world.root[int(pid)] = int(root)
                free[int(pid)] = capacity(total, reserved, ratio) - int(used)
            supply.by_class[class_id] = providers
        supplies.append(supply)

    suppliers = set(world.root)
    everyone_sharing = batch[1] if batch is not None else await sharing_providers(conn)
    sharing = everyone_sharing & suppliers
    async for provider, root in rows_in_chunks(conn, _associations_stmt, sharing):
        if batch is None or batch[0][0] <= int(root) <= batch[0][1]:
            world.sharing_for_root.setdefault(int(root), set()).add(int(provider))
    roots = set(world.root.values()) | set(world.sharing_for_root)

    def shape(chunk: list[int]) -> Select[Any]:
        return select(RP.c.id, RP.c.parent_provider_id, RP.c.root_provider_id).where(
            RP.c.root_provider_id.in_(chunk)
        )

    async for pid, parent, root in rows_in_chunks(conn, shape, roots):
        world.parent[int(pid)] = None if parent is None else int(parent)
        world.root[int(pid)] = int(root)

    wanted = set(resolved.root_required) | set(resolved.root_forbidden)
    for group in resolved.groups:
        if not group.use_same_provider:
            wanted.update(*group.required)
    if wanted:

        def traits(chunk: list[int]) -> Select[Any]:
            return (
                select(RPT.c.resource_provider_id, RPT.c.trait_id)
                .join(RP, RP.c.id == RPT.c.resource_provider_id)
                .where(RPT.c.trait_id.in_(sorted(wanted)), RP.c.root_provider_id.in_(chunk))
            )

        found: dict[int, set[int]] = {}
        async for pid, tid in rows_in_chunks(conn, traits, roots):
            found.setdefault(int(pid), set()).add(int(tid))
        world.traits = {p: frozenset(t) for p, t in found.items()}

    for supply in supplies:
        if supply.group.resources:
            continue
        conds = _provider_filters(supply.group, with_required=True)

        def matching(chunk: list[int], conds: list[Any] = conds) -> Select[Any]:
            return select(RP.c.id).where(RP.c.root_provider_id.in_(chunk), *conds)

        supply.matching = sorted([int(r[0]) async for r in rows_in_chunks(conn, matching, roots)])
    return world, supplies

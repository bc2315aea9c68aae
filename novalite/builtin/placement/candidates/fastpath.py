"""The fast path: one unsuffixed group that only root providers can supply.

When no provider with a parent and no sharing provider has inventory of a requested
class, every candidate is a single root provider giving everything. One query then
finds the qualifying roots with every filter in SQL, in id order, and stops after
``limit`` rows: the work is bounded by the limit, not by the size of the cloud.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

from sqlalchemy import Select, String, and_, cast, exists, literal, select, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.candidates import summary_sql
from novalite.builtin.placement.candidates.lookup import GroupFilter, ResolvedRequest, trait_ids
from novalite.builtin.placement.candidates.sql import (
    INV,
    RP,
    RPT,
    aggregate_filters,
    fits,
    trait_filters,
)

#: Trait marking a provider whose inventory is shared with its aggregates' trees.
SHARES_TRAIT = "MISC_SHARES_VIA_AGGREGATE"


@dataclasses.dataclass(frozen=True)
class Shape:
    """What the fast path must know about the deployment before trusting itself."""

    nested_supply: bool
    shared_supply: bool
    any_nested: bool


@functools.lru_cache(maxsize=64)
def deployment_shape_stmt(
    class_ids: tuple[int, ...], shares_trait_id: int | None
) -> Select[bool, bool, bool]:
    """(a child provider supplies a class, a sharing provider supplies one, nesting exists).

    Written as nested ``EXISTS`` so that each probe starts from the (usually few) child
    or sharing providers through their indexes.
    """
    child = RP.alias("child")
    inv = INV.alias()
    has_class = exists().where(
        inv.c.resource_provider_id == child.c.id, inv.c.resource_class_id.in_(class_ids)
    )
    nested_supply = exists().where(child.c.parent_provider_id >= 0, has_class)
    rpt = RPT.alias()
    inv2 = INV.alias()
    # The trait's id as a value (not a subquery or a join) lets PostgreSQL see from its
    # statistics that few providers share, and range-scan the primary key.
    shared_supply = exists().where(
        rpt.c.trait_id == (-1 if shares_trait_id is None else shares_trait_id),
        exists().where(
            inv2.c.resource_provider_id == rpt.c.resource_provider_id,
            inv2.c.resource_class_id.in_(class_ids),
        ),
    )
    any_child = RP.alias("any_child")
    any_nested = exists().where(any_child.c.parent_provider_id >= 0)
    return select(nested_supply, shared_supply, any_nested)


async def deployment_shape(conn: AsyncConnection, class_ids: list[int]) -> Shape:
    """Run :func:`deployment_shape_stmt`."""
    shares = (await trait_ids(conn, {SHARES_TRAIT})).get(SHARES_TRAIT)
    row = (await conn.execute(deployment_shape_stmt(tuple(sorted(class_ids)), shares))).one()
    return Shape(bool(row[0]), bool(row[1]), bool(row[2]))


def _text(column: Any) -> Any:
    return cast(column, String)


def roots_stmt(
    group: GroupFilter,
    resolved: ResolvedRequest,
    *,
    single_provider_trees_only: bool,
    limit: int | None,
    dialect: str = "sqlite",
    summary_classes: frozenset[int] | None = None,
    with_traits: bool = True,
    with_docs: bool = True,
) -> Select[Any]:
    """Root providers that alone satisfy ``group`` and the root traits, in id order.

    Rows are ``(id, uuid, resources JSON, traits JSON)``: the summary comes with the
    candidate, ready to paste into the body, so the fast path needs no further query.
    Statements are cached by shape (building one costs milliseconds).
    """
    return _roots_stmt(
        resources=tuple(sorted(group.resources.items())),
        required=group.required,
        forbidden=group.forbidden,
        member_of=group.member_of,
        forbidden_aggs=group.forbidden_aggs,
        in_tree_root=group.in_tree_root,
        root_required=tuple(sorted(resolved.root_required)),
        root_forbidden=resolved.root_forbidden,
        single_provider_trees_only=single_provider_trees_only,
        limit=limit,
        dialect=dialect,
        summary_classes=None if summary_classes is None else tuple(sorted(summary_classes)),
        with_traits=with_traits,
        with_docs=with_docs,
    )


@functools.lru_cache(maxsize=256)
def _roots_stmt(
    *,
    resources: tuple[tuple[int, int], ...],
    required: tuple[frozenset[int], ...],
    forbidden: frozenset[int],
    member_of: tuple[frozenset[int], ...],
    forbidden_aggs: frozenset[int],
    in_tree_root: int | None,
    root_required: tuple[int, ...],
    root_forbidden: frozenset[int],
    single_provider_trees_only: bool,
    limit: int | None,
    dialect: str,
    summary_classes: tuple[int, ...] | None,
    with_traits: bool,
    with_docs: bool,
) -> Select[Any]:
    conds: list[Any] = [RP.c.parent_provider_id.is_(None)]
    for class_id, amount in resources:
        inv = INV.alias(f"inv_{class_id}")
        conds.append(
            exists().where(
                inv.c.resource_provider_id == RP.c.id,
                inv.c.resource_class_id == class_id,
                fits(inv, class_id, amount),
            )
        )
    conds += trait_filters(RP.c.id, required, forbidden)
    conds += trait_filters(RP.c.id, [frozenset((t,)) for t in root_required], root_forbidden)
    conds += aggregate_filters([RP.c.id], member_of, forbidden_aggs)
    if in_tree_root is not None:
        conds.append(RP.c.id == in_tree_root)
    if single_provider_trees_only:
        child = RP.alias("child")
        conds.append(~exists().where(child.c.parent_provider_id == RP.c.id))
    if dialect != "postgresql" and with_docs:
        # SQLite (and MySQL) run correlated subqueries per row cheaply: summaries in the
        # select list.
        stmt = (
            select(
                RP.c.id,
                RP.c.uuid,
                summary_sql.inventory_json(dialect=dialect, classes=summary_classes),
                summary_sql.traits_json() if with_traits else literal(None, String),
            )
            .where(and_(*conds))
            .order_by(RP.c.id)
        )
        return stmt if limit is None else stmt.limit(limit)
    # On PostgreSQL, or when the rows will be sampled first, the summaries come
    # from a second, set-based query.
    roots = select(RP.c.id, RP.c.uuid, literal(None, String), literal(None, String))
    roots = roots.where(and_(*conds)).order_by(RP.c.id)
    return roots if limit is None else roots.limit(limit)


@functools.lru_cache(maxsize=256)
def _inlined(stmt: Select[Any], dialect: Dialect) -> Any:
    """``stmt`` as text with its values inlined (ints only), for PostgreSQL.

    A statement without parameters is planned once per connection for these very values
    and the plan reused (asyncpg prepares it): no generic plan, no re-planning (~2 ms).
    ``stmt`` objects are themselves cached by shape, so this cache hits.
    """
    sql = stmt.compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return text(str(sql))


#: ``(id, uuid, resources JSON, traits JSON)`` of a qualifying root.
RootRow = tuple[int, str, str | None, str | None]


async def qualifying_roots(
    conn: AsyncConnection,
    group: GroupFilter,
    resolved: ResolvedRequest,
    *,
    single_provider_trees_only: bool,
    limit: int | None,
    summary_classes: frozenset[int] | None = None,
    with_traits: bool = True,
    with_docs: bool = True,
) -> list[RootRow]:
    """Run :func:`roots_stmt`: the qualifying roots in id order, with their summaries'
    JSON unless ``with_docs`` is false (then the two JSON fields are None)."""
    stmt = roots_stmt(
        group,
        resolved,
        single_provider_trees_only=single_provider_trees_only,
        limit=limit,
        dialect=conn.dialect.name,
        summary_classes=summary_classes,
        with_traits=with_traits,
        with_docs=with_docs,
    )
    if conn.dialect.name == "postgresql":
        stmt = _inlined(stmt, conn.dialect)
    rows = [
        (int(pid), str(uuid), inv, traits) for pid, uuid, inv, traits in await conn.execute(stmt)
    ]
    if conn.dialect.name != "postgresql" or not rows or not with_docs:
        return rows
    docs: tuple[dict[int, str], dict[int, str]] = ({}, {})
    query = summary_sql.summaries_by_ids(
        None if summary_classes is None else tuple(sorted(summary_classes)), with_traits
    )
    for kind, pid, doc in await conn.execute(query, {"ids": [row[0] for row in rows]}):
        docs[int(kind)][int(pid)] = doc
    return [(pid, uuid, docs[0].get(pid), docs[1].get(pid)) for pid, uuid, _, _ in rows]

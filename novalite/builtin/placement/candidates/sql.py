"""SQL building blocks (Core expressions) shared by the fast and the general path.

Every filter is pushed into SQL as ``EXISTS``/``NOT EXISTS`` on the primary keys of
``resource_provider_traits`` (trait_id, resource_provider_id) and
``resource_provider_aggregates`` (resource_provider_id, aggregate_id); usage is a
correlated ``SUM`` served by ``ix_allocations_resource_provider_class_used``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    any_,
    bindparam,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.db.models import (
    Allocation,
    Inventory,
    ResourceProvider,
    ResourceProviderAggregate,
    ResourceProviderTrait,
)

RP = ResourceProvider.__table__
INV = Inventory.__table__
ALLOC = Allocation.__table__
RPT = ResourceProviderTrait.__table__
RPA = ResourceProviderAggregate.__table__

#: Most ids bound in one ``IN (...)``; larger sets are queried in chunks.
CHUNK = 2000


def used_of(provider: ColumnElement[Any], class_id: ColumnElement[Any] | int) -> Any:
    """Correlated scalar subquery: what is allocated of ``class_id`` on ``provider``."""
    alloc = ALLOC.alias()
    return (
        select(func.coalesce(func.sum(alloc.c.used), 0))
        .where(alloc.c.resource_provider_id == provider, alloc.c.resource_class_id == class_id)
        .scalar_subquery()
    )


def fits(inv: Any, class_id: int, amount: int) -> ColumnElement[bool]:
    """``inv`` (an inventories alias) can give ``amount`` more of ``class_id`` right now.

    The usage subquery correlates to ``inv`` itself, so this works at any nesting depth.
    """
    # Written for PostgreSQL's estimator as much as for the reader: "step_size = 1 OR"
    # lets it see (from statistics) that nearly every row passes, where a bare
    # "amount % step_size = 0" is guessed at 0.5% and a bare comparison with a subquery
    # at 33%; underestimates turn the bounded id-ordered scan into nested-loop joins.
    capacity = (inv.c.total - inv.c.reserved) * inv.c.allocation_ratio
    return and_(
        inv.c.min_unit <= amount,
        inv.c.max_unit >= amount,
        or_(inv.c.step_size == 1, literal(amount) % inv.c.step_size == 0),
        not_(capacity < used_of(inv.c.resource_provider_id, class_id) + amount),
    )


def has_trait(provider: ColumnElement[Any], trait_ids: Iterable[int]) -> ColumnElement[bool]:
    """``provider`` has at least one of ``trait_ids``."""
    rpt = RPT.alias()
    ids = sorted(trait_ids)
    cond = rpt.c.trait_id == ids[0] if len(ids) == 1 else rpt.c.trait_id.in_(ids)
    return exists().where(rpt.c.resource_provider_id == provider, cond)


def trait_filters(
    provider: ColumnElement[Any],
    required: Iterable[frozenset[int]],
    forbidden: frozenset[int],
) -> list[ColumnElement[bool]]:
    """Conditions: every any-of set of ``required`` met, none of ``forbidden`` present."""
    conds = [has_trait(provider, any_of) for any_of in required]
    if forbidden:
        conds.append(~has_trait(provider, forbidden))
    return conds


def in_aggregates(
    providers: Sequence[ColumnElement[Any]], agg_ids: Iterable[int]
) -> ColumnElement[bool]:
    """One of ``providers`` (a provider, or it and its root) is in one of ``agg_ids``."""
    rpa = RPA.alias()
    who = rpa.c.resource_provider_id == providers[0]
    if len(providers) > 1:
        who = or_(*(rpa.c.resource_provider_id == p for p in providers))
    return exists().where(who, rpa.c.aggregate_id.in_(sorted(agg_ids)))


def aggregate_filters(
    providers: Sequence[ColumnElement[Any]],
    member_of: Iterable[frozenset[int]],
    forbidden: frozenset[int],
) -> list[ColumnElement[bool]]:
    """Conditions for ``member_of`` (AND of any-of sets) and forbidden aggregates."""
    conds = [in_aggregates(providers, any_of) for any_of in member_of]
    if forbidden:
        conds.append(~in_aggregates(providers, forbidden))
    return conds


async def rows_in_chunks(
    conn: AsyncConnection,
    build: Callable[[list[int]], Select[Any]],
    ids: Iterable[int],
) -> AsyncIterator[Any]:
    """Run ``build(chunk)`` for chunks of ``ids`` and yield every row."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), CHUNK):
        result = await conn.execute(build(ordered[start : start + CHUNK]))
        for row in result:
            yield row


def in_ids(conn: AsyncConnection, column: Any, ids: list[int]) -> ColumnElement[bool]:
    """``column IN (ids)``; on PostgreSQL ``= ANY(:array)`` (one parameter, not thousands)."""
    if conn.dialect.name == "postgresql":
        condition: ColumnElement[bool] = column == any_(
            bindparam(None, ids, type_=postgresql.ARRAY(Integer))
        )
        return condition
    membership: ColumnElement[bool] = column.in_(ids)
    return membership

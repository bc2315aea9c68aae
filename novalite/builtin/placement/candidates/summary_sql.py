"""SQL that builds provider summaries as JSON text, for the fast path.

Names of classes and traits are ``[A-Z0-9_]``, so they need no escaping. Standard class
names come from a ``CASE`` (they are not stored), custom ones from ``resource_classes``.
Capacity is truncated in SQL (SQLite's ``CAST AS INTEGER`` truncates; elsewhere ``floor``,
capacity being non-negative).
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    and_,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal,
    select,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.base import Executable

from novalite.builtin.placement.candidates.sql import ALLOC, INV, RP, RPT, used_of
from novalite.builtin.placement.db.models import ResourceClass, Trait
from novalite.builtin.placement.db.resource_classes import STANDARD

_TRAIT = Trait.__table__
_RC = ResourceClass.__table__
#: One JSON member of a summary's ``resources``.
_ITEM = '"%s":{"capacity":%s,"used":%s}'


def _class_name(inv: Any) -> Any:
    return case(dict(enumerate(STANDARD)), value=inv.c.resource_class_id, else_=_RC.c.name)


def _usable(inv: Any, sqlite: bool) -> Any:
    usable = (inv.c.total - inv.c.reserved) * inv.c.allocation_ratio
    return cast(usable if sqlite else func.floor(usable), BigInteger)


def inventory_json(*, sqlite: bool, classes: tuple[int, ...] | None) -> Any:
    """Correlated: the provider's summary ``resources`` as JSON members.

    ``"VCPU":{"capacity":64,"used":2},...``
    """
    inv = INV.alias("summary_inv")
    used = used_of(inv.c.resource_provider_id, inv.c.resource_class_id)
    # One C-level formatting call per item (SQLite's printf, PostgreSQL's format).
    formatter = func.printf if sqlite else func.format
    item = formatter(_ITEM, _class_name(inv), _usable(inv, sqlite), used)
    conds = [inv.c.resource_provider_id == RP.c.id]
    if classes is not None:
        conds.append(inv.c.resource_class_id.in_(classes))
    return (
        select(func.aggregate_strings(item, ","))
        .select_from(inv.outerjoin(_RC, _RC.c.id == inv.c.resource_class_id))
        .where(*conds)
        .scalar_subquery()
    )


def traits_json() -> Any:
    """Correlated: the provider's trait names as JSON array items (``"A","B"``)."""
    rpt = RPT.alias("summary_rpt")
    # A scalar lookup per trait (primary key), never a hash join over all traits.
    name = select(_TRAIT.c.name).where(_TRAIT.c.id == rpt.c.trait_id).scalar_subquery()
    item = literal('"', String).concat(name).concat('"')  # names are [A-Z0-9_]
    return (
        select(func.aggregate_strings(item, ","))
        .where(rpt.c.resource_provider_id == RP.c.id)
        .scalar_subquery()
    )


@functools.lru_cache(maxsize=16)
def summaries_by_ids(classes: tuple[int, ...] | None, with_traits: bool) -> Executable:
    """Summaries of the providers in the array parameter ``ids`` (PostgreSQL).

    Rows ``(kind, provider id, JSON)`` - kind 0: resources members, 1: trait items - from
    set-based aggregates; ``= ANY(:ids)`` keeps every scan on an index whatever the size
    of the cloud.
    """
    ids = bindparam("ids", type_=postgresql.ARRAY(Integer))
    usage = (
        select(
            ALLOC.c.resource_provider_id,
            ALLOC.c.resource_class_id,
            func.sum(ALLOC.c.used).label("used"),
        )
        .where(ALLOC.c.resource_provider_id == any_(ids))
        .group_by(ALLOC.c.resource_provider_id, ALLOC.c.resource_class_id)
        .subquery("usage")
    )
    inv = INV.alias("summary_inv")
    used = func.coalesce(usage.c.used, 0)
    item = func.format(_ITEM, _class_name(inv), _usable(inv, False), used)
    conds = [inv.c.resource_provider_id == any_(ids)]
    if classes is not None:
        conds.append(inv.c.resource_class_id.in_(classes))
    stmt = (
        select(literal(0), inv.c.resource_provider_id, func.string_agg(item, ","))
        .select_from(
            inv.outerjoin(_RC, _RC.c.id == inv.c.resource_class_id).outerjoin(
                usage,
                and_(
                    usage.c.resource_provider_id == inv.c.resource_provider_id,
                    usage.c.resource_class_id == inv.c.resource_class_id,
                ),
            )
        )
        .where(*conds)
        .group_by(inv.c.resource_provider_id)
    )
    if with_traits:
        rpt = RPT.alias("summary_rpt")
        quoted = literal('"', String).concat(_TRAIT.c.name).concat('"')
        traits = (
            select(literal(1), rpt.c.resource_provider_id, func.string_agg(quoted, ","))
            .select_from(rpt.join(_TRAIT, _TRAIT.c.id == rpt.c.trait_id))
            .where(rpt.c.resource_provider_id == any_(ids))
            .group_by(rpt.c.resource_provider_id)
        )
        return union_all(stmt, traits)
    return stmt

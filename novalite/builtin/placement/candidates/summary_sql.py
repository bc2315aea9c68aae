"""SQL that builds provider summaries as JSON text, for the fast path.

Names of classes and traits are ``[A-Z0-9_]``, so they need no escaping. Standard class
names come from a ``CASE`` (they are not stored), custom ones from ``resource_classes``.
Capacity is truncated in SQL (SQLite's ``CAST AS INTEGER`` truncates; elsewhere ``floor``,
capacity being non-negative).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
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
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.base import Executable

from novalite.builtin.placement.candidates.sql import ALLOC, INV, RP, RPT, rows_in_chunks, used_of
from novalite.builtin.placement.db.models import ResourceClass, Trait
from novalite.builtin.placement.db.resource_classes import STANDARD

_TRAIT = Trait.__table__
_RC = ResourceClass.__table__
#: One JSON member of a summary's ``resources``.
_ITEM = '"%s":{"capacity":%s,"used":%s}'


def _class_name(inv: Any) -> Any:
    return case(dict(enumerate(STANDARD)), value=inv.c.resource_class_id, else_=_RC.c.name)


def _usable(inv: Any, dialect: str) -> Any:
    usable = (inv.c.total - inv.c.reserved) * inv.c.allocation_ratio
    return cast(usable if dialect == "sqlite" else func.floor(usable), BigInteger)


def _item(dialect: str, name: Any, usable: Any, used: Any) -> Any:
    """One summary member, ``"VCPU":{"capacity":64,"used":2}``, formatted by the database.

    One C-level call per item: SQLite's printf, PostgreSQL's format, MySQL's concat.
    """
    if dialect == "sqlite":
        return func.printf(_ITEM, name, usable, used)
    if dialect == "postgresql":
        return func.format(_ITEM, name, usable, used)
    return func.concat('"', name, '":{"capacity":', usable, ',"used":', used, "}")


def inventory_json(*, dialect: str, classes: tuple[int, ...] | None) -> Any:
    """Correlated: the provider's summary ``resources`` as JSON members.

    ``"VCPU":{"capacity":64,"used":2},...``
    """
    inv = INV.alias("summary_inv")
    used = used_of(inv.c.resource_provider_id, inv.c.resource_class_id)
    item = _item(dialect, _class_name(inv), _usable(inv, dialect), used)
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
    item = _item("postgresql", _class_name(inv), _usable(inv, "postgresql"), used)
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


#: What the answer shows of a provider: ``(id, uuid, parent uuid, root uuid,
#: resources JSON members, trait JSON items)``.
Doc = tuple[int, str, str | None, str, str | None, str | None]


def _identity() -> tuple[Any, Any, Any]:
    parent = RP.alias("parent")
    root = RP.alias("root")
    source = RP.outerjoin(parent, parent.c.id == RP.c.parent_provider_id).outerjoin(
        root, root.c.id == RP.c.root_provider_id
    )
    return source, parent.c.uuid, root.c.uuid


def _docs_correlated(
    dialect: str, chunk: list[int], classes: tuple[int, ...] | None, with_traits: bool
) -> Any:
    source, parent_uuid, root_uuid = _identity()
    return (
        select(
            RP.c.id,
            RP.c.uuid,
            parent_uuid,
            root_uuid,
            inventory_json(dialect=dialect, classes=classes),
            traits_json() if with_traits else literal(None, String),
        )
        .select_from(source)
        .where(RP.c.id.in_(chunk))
    )


async def fetch_docs(
    conn: AsyncConnection,
    provider_ids: Iterable[int],
    *,
    classes: frozenset[int] | None,
    with_traits: bool,
) -> dict[int, Doc]:
    """The :data:`Doc` of each of ``provider_ids`` (one or two queries, chunked)."""
    ids = set(provider_ids)
    wanted = None if classes is None else tuple(sorted(classes))
    docs: dict[int, Doc] = {}
    if not ids:
        return docs
    dialect = conn.dialect.name
    if dialect != "postgresql":
        async for pid, uuid, parent, root, inv, traits in rows_in_chunks(
            conn, lambda chunk: _docs_correlated(dialect, chunk, wanted, with_traits), ids
        ):
            docs[int(pid)] = (int(pid), str(uuid), parent, str(root or uuid), inv, traits)
        return docs
    source, parent_uuid, root_uuid = _identity()
    array = bindparam("ids", type_=postgresql.ARRAY(Integer))
    who = select(RP.c.id, RP.c.uuid, parent_uuid, root_uuid).select_from(source)
    parts: tuple[dict[int, str], dict[int, str]] = ({}, {})
    ordered = sorted(ids)
    for pid, uuid, parent, root in await conn.execute(
        who.where(RP.c.id == any_(array)), {"ids": ordered}
    ):
        docs[int(pid)] = (int(pid), str(uuid), parent, str(root or uuid), None, None)
    for kind, pid, doc in await conn.execute(
        summaries_by_ids(wanted, with_traits), {"ids": ordered}
    ):
        parts[int(kind)][int(pid)] = doc
    return {
        pid: (pid, uuid, parent, root, parts[0].get(pid), parts[1].get(pid))
        for pid, uuid, parent, root, _, _ in docs.values()
    }

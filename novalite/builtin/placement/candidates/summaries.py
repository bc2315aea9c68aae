"""Provider summaries, fetched only for the providers that end up in the answer.

Three queries whatever the number of providers (chunked above :data:`.sql.CHUNK` ids):
identity (uuid, parent and root uuids), inventories with their usage, and trait names.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Select, and_, select

from novalite.builtin.placement.candidates.sql import INV, RP, RPT, rows_in_chunks, used_of
from novalite.builtin.placement.db.models import Trait

_TRAIT = Trait.__table__


@dataclasses.dataclass
class ProviderSummary:
    """What the answer says about one provider."""

    uuid: str
    parent_uuid: str | None
    root_uuid: str
    #: class id -> (capacity, used)
    resources: dict[int, tuple[int, int]] = dataclasses.field(default_factory=dict)
    traits: list[str] = dataclasses.field(default_factory=list)


def capacity(total: int, reserved: int, ratio: float) -> int:
    """Usable amount of an inventory: ``int((total - reserved) * allocation_ratio)``."""
    return int((total - reserved) * ratio)


async def tree_members(conn: Any, provider_ids: Iterable[int]) -> set[int]:
    """Every provider of the trees ``provider_ids`` belong to (themselves included)."""
    ids = set(provider_ids)
    roots: set[int] = set()
    async for row in rows_in_chunks(
        conn, lambda chunk: select(RP.c.root_provider_id).where(RP.c.id.in_(chunk)), ids
    ):
        roots.add(int(row[0]))
    async for row in rows_in_chunks(
        conn, lambda chunk: select(RP.c.id).where(RP.c.root_provider_id.in_(chunk)), roots
    ):
        ids.add(int(row[0]))
    return ids


def _identity(chunk: list[int]) -> Select[Any]:
    parent = RP.alias("parent")
    root = RP.alias("root")
    return (
        select(RP.c.id, RP.c.uuid, parent.c.uuid, root.c.uuid)
        .select_from(
            RP.outerjoin(parent, parent.c.id == RP.c.parent_provider_id).outerjoin(
                root, root.c.id == RP.c.root_provider_id
            )
        )
        .where(RP.c.id.in_(chunk))
    )


def _inventories(chunk: list[int], classes: Collection[int] | None) -> Select[Any]:
    conds = [INV.c.resource_provider_id.in_(chunk)]
    if classes is not None:
        conds.append(INV.c.resource_class_id.in_(sorted(classes)))
    return select(
        INV.c.resource_provider_id,
        INV.c.resource_class_id,
        INV.c.total,
        INV.c.reserved,
        INV.c.allocation_ratio,
        used_of(INV.c.resource_provider_id, INV.c.resource_class_id),
    ).where(and_(*conds))


def _traits(chunk: list[int]) -> Select[Any]:
    return (
        select(RPT.c.resource_provider_id, _TRAIT.c.name)
        .join(_TRAIT, _TRAIT.c.id == RPT.c.trait_id)
        .where(RPT.c.resource_provider_id.in_(chunk))
    )


async def fetch_summaries(
    conn: Any,
    provider_ids: Iterable[int],
    *,
    classes: Collection[int] | None,
    with_traits: bool,
) -> dict[int, ProviderSummary]:
    """Summaries of ``provider_ids``; ``classes`` None lists every class a provider has."""
    ids = set(provider_ids)
    result: dict[int, ProviderSummary] = {}
    if not ids:
        return result
    async for pid, uuid, parent_uuid, root_uuid in rows_in_chunks(conn, _identity, ids):
        result[int(pid)] = ProviderSummary(str(uuid), parent_uuid, str(root_uuid or uuid))
    async for pid, cid, total, reserved, ratio, used in rows_in_chunks(
        conn, lambda chunk: _inventories(chunk, classes), ids
    ):
        result[int(pid)].resources[int(cid)] = (capacity(total, reserved, ratio), int(used))
    if with_traits:
        async for pid, name in rows_in_chunks(conn, _traits, ids):
            result[int(pid)].traits.append(str(name))
        for summary in result.values():
            summary.traits.sort()
    return result

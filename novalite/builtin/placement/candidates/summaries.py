"""Helpers around provider summaries: capacity maths and the members of trees.

The summaries themselves are built as JSON by the database (:mod:`.summary_sql`).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from novalite.builtin.placement.candidates.sql import RP, in_ids, rows_in_chunks


def capacity(total: int, reserved: int, ratio: float) -> int:
    """Usable amount of an inventory: ``int((total - reserved) * allocation_ratio)``."""
    return int((total - reserved) * ratio)


async def tree_members(
    conn: AsyncConnection, provider_ids: Iterable[int], *, all_roots: bool = False
) -> set[int]:
    """Every provider of the trees ``provider_ids`` belong to (themselves included).

    ``all_roots``: the ids are known to be roots (saves a query).
    """
    ids = set(provider_ids)
    roots: set[int] = set(ids) if all_roots else set()
    if not all_roots:
        async for row in rows_in_chunks(
            conn,
            lambda chunk: select(RP.c.root_provider_id).where(in_ids(conn, RP.c.id, chunk)),
            ids,
        ):
            roots.add(int(row[0]))
    async for row in rows_in_chunks(
        conn,
        lambda chunk: select(RP.c.id).where(in_ids(conn, RP.c.root_provider_id, chunk)),
        roots,
    ):
        ids.add(int(row[0]))
    return ids

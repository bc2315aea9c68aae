"""Compute nodes (cell database): each hypervisor's resources, as its compute service reports.

Soft-deleted as in nova; reads never return deleted nodes. The table's
``mapped`` integer (0/1) is the domain's boolean ``mapped``: whether
``discover_hosts`` has mapped the node's host to the cell in the API database.
"""

from __future__ import annotations

import builtins
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import cell as models
from novalite.db.models.base import utcnow
from novalite.db.repositories._common import (
    changed_values,
    live,
    row_values,
    soft_delete_values,
    to_domain,
    update_live_row,
)
from novalite.domain.compute_node import ComputeNode
from novalite.errors import ComputeHostNotFound, Invalid

_Row = models.ComputeNode


class ComputeNodeRepository:
    """Reads and writes ``compute_nodes`` in a cell database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, node: ComputeNode) -> ComputeNode:
        """Insert ``node`` and return it as stored.

        DBDuplicateEntry when a live node already has the same
        (host, hypervisor_hostname), or the same uuid.
        """

        async def insert(session: AsyncSession) -> ComputeNode:
            row = _Row(**_to_columns(row_values(_Row, node.as_dict())))
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return _to_domain(row)

        return await self._db.write(insert)

    async def get_by_id(self, node_id: int) -> ComputeNode:
        """The live node ``node_id``, else ComputeHostNotFound."""
        return await self._db.read(_get, _Row.id == node_id, str(node_id))

    async def get_by_uuid(self, uuid: str) -> ComputeNode:
        """The live node with ``uuid``, else ComputeHostNotFound."""
        return await self._db.read(_get, _Row.uuid == uuid, uuid)

    async def get_by_host_and_nodename(self, host: str, nodename: str) -> ComputeNode:
        """The live node ``nodename`` (its hypervisor_hostname) of ``host``."""
        condition = (_Row.host == host) & (_Row.hypervisor_hostname == nodename)
        return await self._db.read(_get, condition, f"{host}/{nodename}")

    async def list(self, host: str | None = None) -> builtins.list[ComputeNode]:
        """Live nodes (of ``host`` if given), ordered by id."""
        stmt = select(_Row).where(live(_Row)).order_by(_Row.id)
        if host is not None:
            stmt = stmt.where(_Row.host == host)
        return await self._db.read(_all, stmt)

    async def list_unmapped(self) -> builtins.list[ComputeNode]:
        """Live nodes whose host is not yet mapped to the cell, ordered by id."""
        stmt = (
            select(_Row)
            .where(live(_Row), (_Row.mapped == 0) | _Row.mapped.is_(None))
            .order_by(_Row.id)
        )
        return await self._db.read(_all, stmt)

    async def mark_mapped(self, node_ids: Iterable[int]) -> int:
        """Mark the given live nodes as mapped; returns how many were marked."""
        ids = sorted(set(node_ids))
        if not ids:
            return 0

        async def mark(session: AsyncSession) -> int:
            result = await session.execute(
                update(_Row)
                .where(_Row.id.in_(ids), live(_Row))
                .values(mapped=1, updated_at=utcnow())
            )
            return int(getattr(result, "rowcount", 0))

        return await self._db.write(mark)

    async def save(self, node: ComputeNode) -> ComputeNode:
        """Write the fields of ``node`` that changed (``node.changes()``), and only those.

        ``node`` is updated in place (``updated_at``), its changes are reset, and
        it is returned. ComputeHostNotFound if it was destroyed meanwhile.
        """
        if node.id is None:
            raise Invalid(reason="cannot save a compute node that was never created")
        node_id = node.id
        values = _to_columns(changed_values(node, _Row))
        if not values:
            node.reset_changes()
            return node
        values["updated_at"] = utcnow()

        async def write(session: AsyncSession) -> ComputeNode:
            if not await update_live_row(session, _Row, node_id, values):
                raise ComputeHostNotFound(host=str(node_id))
            return await _get(session, _Row.id == node_id, str(node_id))

        stored = await self._db.write(write)
        node.updated_at = stored.updated_at
        node.reset_changes()
        return node

    async def destroy(self, node_id: int) -> None:
        """Soft-delete the node; ComputeHostNotFound if it is not live."""

        async def remove(session: AsyncSession) -> None:
            if not await update_live_row(session, _Row, node_id, soft_delete_values(_Row)):
                raise ComputeHostNotFound(host=str(node_id))

        await self._db.write(remove)


def _to_columns(values: dict[str, Any]) -> dict[str, Any]:
    if "mapped" in values:
        values["mapped"] = int(bool(values["mapped"]))
    return values


def _to_domain(row: models.ComputeNode) -> ComputeNode:
    return to_domain(ComputeNode, row, mapped=bool(row.mapped))


async def _get(
    session: AsyncSession, condition: ColumnElement[bool], described: str
) -> ComputeNode:
    row = await session.scalar(select(_Row).where(condition, live(_Row)))
    if row is None:
        raise ComputeHostNotFound(host=described)
    return _to_domain(row)


async def _all(session: AsyncSession, stmt: Select[Any]) -> list[ComputeNode]:
    return [_to_domain(row) for row in await session.scalars(stmt)]

"""Instance mappings (API database): which cell each instance lives in.

The row holds the cell's integer id; the domain speaks of the cell's uuid. The hot
statements (a server's hand-over to its cell) are Core statements built once.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import CoreRow, core_table, insert_into
from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.models.base import utcnow
from novalite.domain.instance import InstanceMapping
from novalite.errors import CellMappingNotFound, InstanceMappingNotFound

M = core_table(models.InstanceMapping)
CELLS = core_table(models.CellMapping)
_CHUNK = 500

#: A mapping's columns with its cell's uuid (``cell_uuid``, NULL without a cell).
_SELECT = select(
    M.c.id,
    M.c.instance_uuid,
    M.c.project_id,
    M.c.user_id,
    M.c.queued_for_delete,
    M.c.created_at,
    CELLS.c.uuid.label("cell_uuid"),
).select_from(M.outerjoin(CELLS, CELLS.c.id == M.c.cell_id))
_BY_UUID = _SELECT.where(M.c.instance_uuid == bindparam("instance_uuid"))
_BY_UUIDS = _SELECT.where(M.c.instance_uuid.in_(bindparam("uuids", expanding=True)))
_CELL_ID = select(CELLS.c.id).where(CELLS.c.uuid == bindparam("uuid"))
#: ``UPDATE`` of the mapping of ``b_instance_uuid``; the columns to set are the other
#: parameters.
_UPDATE = update(M).where(M.c.instance_uuid == bindparam("b_instance_uuid"))
_DELETE = delete(M).where(M.c.instance_uuid == bindparam("instance_uuid"))


class InstanceMappingRepository:
    """Reads and writes ``instance_mappings`` in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, mapping: InstanceMapping) -> InstanceMapping:
        """Insert ``mapping``; DBDuplicateEntry if the instance is mapped already.

        CellMappingNotFound if it names a cell that does not exist.
        """

        async def add(session: AsyncSession) -> InstanceMapping:
            cell_id = await _cell_id(session, mapping.cell_uuid)
            await session.execute(
                insert_into(models.InstanceMapping), new_mapping_row(mapping, cell_id)
            )
            return await _get(session, mapping.instance_uuid)

        return await self._db.write(add)

    async def get(self, instance_uuid: str) -> InstanceMapping:
        """The mapping of ``instance_uuid``, else InstanceMappingNotFound."""
        return await self._db.read(_get, instance_uuid)

    async def get_many(self, uuids: Collection[str]) -> dict[str, InstanceMapping]:
        """The mappings of the instances ``uuids`` that have one, by instance uuid."""
        wanted = sorted(set(uuids))

        async def query(session: AsyncSession) -> dict[str, InstanceMapping]:
            found: dict[str, InstanceMapping] = {}
            for start in range(0, len(wanted), _CHUNK):
                part = wanted[start : start + _CHUNK]
                for row in await session.execute(_BY_UUIDS, {"uuids": part}):
                    found[row.instance_uuid] = _to_domain(row)
            return found

        return await self._db.read(query)

    async def list_in_cell(
        self, cell_uuid: str, project_id: str | None, limit: int | None = None
    ) -> list[InstanceMapping]:
        """The mappings to cell ``cell_uuid`` not queued for delete (of ``project_id``
        only, unless None), newest first, at most ``limit``."""
        stmt = _SELECT.where(
            CELLS.c.uuid == cell_uuid,
            or_(M.c.queued_for_delete.is_(False), M.c.queued_for_delete.is_(None)),
        )
        if project_id is not None:
            stmt = stmt.where(M.c.project_id == project_id)
        stmt = stmt.order_by(M.c.created_at.desc(), M.c.id.desc())
        if limit is not None:
            stmt = stmt.limit(limit)

        async def query(session: AsyncSession) -> list[InstanceMapping]:
            return [_to_domain(row) for row in await session.execute(stmt)]

        return await self._db.read(query)

    async def set_cell(self, instance_uuid: str, cell_uuid: str) -> InstanceMapping:
        """Point the mapping at ``cell_uuid``; InstanceMappingNotFound / CellMappingNotFound."""

        async def write(session: AsyncSession) -> InstanceMapping:
            await set_cell_in(session, instance_uuid, cell_uuid)
            return await _get(session, instance_uuid)

        return await self._db.write(write)

    async def set_queued_for_delete(self, instance_uuid: str, value: bool = True) -> None:
        """Set ``queued_for_delete``; InstanceMappingNotFound if there is no mapping."""
        await self._db.write(_update, instance_uuid, queued_for_delete=value)

    async def delete(self, instance_uuid: str) -> None:
        """Delete the mapping; InstanceMappingNotFound if there is none (as nova)."""

        async def remove(session: AsyncSession) -> None:
            result = await session.execute(_DELETE, {"instance_uuid": instance_uuid})
            if not getattr(result, "rowcount", 0):
                raise InstanceMappingNotFound(uuid=instance_uuid)

        await self._db.write(remove)


async def set_cell_in(session: AsyncSession, instance_uuid: str, cell_uuid: str) -> None:
    """:meth:`InstanceMappingRepository.set_cell` within the caller's transaction."""
    await _update(session, instance_uuid, cell_id=await _cell_id(session, cell_uuid))


def new_mapping_row(mapping: InstanceMapping, cell_id: int | None = None) -> dict[str, Any]:
    """The ``instance_mappings`` row of ``mapping`` (its cell given as ``cell_id``)."""
    return {
        "instance_uuid": mapping.instance_uuid,
        "cell_id": cell_id,
        "project_id": mapping.project_id,
        "user_id": mapping.user_id,
        "queued_for_delete": mapping.queued_for_delete,
    }


async def _get(session: AsyncSession, instance_uuid: str) -> InstanceMapping:
    """The mapping of ``instance_uuid``, else InstanceMappingNotFound."""
    row = (await session.execute(_BY_UUID, {"instance_uuid": instance_uuid})).first()
    if row is None:
        raise InstanceMappingNotFound(uuid=instance_uuid)
    return _to_domain(row)


async def _update(session: AsyncSession, /, instance_uuid: str, **values: Any) -> None:
    """Set ``values`` (and ``updated_at``) on the mapping; InstanceMappingNotFound."""
    params = {"b_instance_uuid": instance_uuid, **values, "updated_at": utcnow()}
    result = await session.execute(_UPDATE, params)
    if not getattr(result, "rowcount", 0):
        raise InstanceMappingNotFound(uuid=instance_uuid)


async def _cell_id(session: AsyncSession, cell_uuid: str | None) -> int | None:
    """The id of cell ``cell_uuid`` (None for None); CellMappingNotFound."""
    if cell_uuid is None:
        return None
    cell_id: int | None = await session.scalar(_CELL_ID, {"uuid": cell_uuid})
    if cell_id is None:
        raise CellMappingNotFound(uuid=cell_uuid)
    return cell_id


def _to_domain(row: CoreRow) -> InstanceMapping:
    """The ``InstanceMapping`` of a row of :data:`_SELECT`."""
    mapping = InstanceMapping(
        id=row.id,
        instance_uuid=row.instance_uuid,
        project_id=row.project_id,
        user_id=row.user_id,
        cell_uuid=row.cell_uuid,
        queued_for_delete=bool(row.queued_for_delete),
        created_at=row.created_at,
    )
    mapping.reset_changes()
    return mapping

"""Instance mappings (API database): which cell each instance lives in.

The row holds the cell's integer id; the domain speaks of the cell's uuid.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.models.base import core_table, utcnow
from novalite.domain.instance import InstanceMapping
from novalite.errors import CellMappingNotFound, InstanceMappingNotFound

_Row = models.InstanceMapping
_Cell = models.CellMapping
_CHUNK = 500


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
            await session.execute(insert(_Row).values(new_mapping_row(mapping, cell_id)))
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
                stmt = _select().where(_Row.instance_uuid.in_(wanted[start : start + _CHUNK]))
                for row, cell_uuid in await session.execute(stmt):
                    found[row.instance_uuid] = _to_domain(row, cell_uuid)
            return found

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
            result = await session.execute(delete(_Row).where(_Row.instance_uuid == instance_uuid))
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


def _select() -> Select[models.InstanceMapping, str]:
    return select(_Row, _Cell.uuid).outerjoin(_Cell, _Cell.id == _Row.cell_id)


async def _get(session: AsyncSession, instance_uuid: str) -> InstanceMapping:
    found = (await session.execute(_select().where(_Row.instance_uuid == instance_uuid))).first()
    if found is None:
        raise InstanceMappingNotFound(uuid=instance_uuid)
    row, cell_uuid = found
    return _to_domain(row, cell_uuid)


async def _update(session: AsyncSession, /, instance_uuid: str, **values: Any) -> None:
    result = await session.execute(
        update(core_table(_Row))
        .where(_Row.instance_uuid == instance_uuid)
        .values(**values, updated_at=utcnow())
    )
    if not getattr(result, "rowcount", 0):
        raise InstanceMappingNotFound(uuid=instance_uuid)


async def _cell_id(session: AsyncSession, cell_uuid: str | None) -> int | None:
    if cell_uuid is None:
        return None
    cell_id = await session.scalar(select(_Cell.id).where(_Cell.uuid == cell_uuid))
    if cell_id is None:
        raise CellMappingNotFound(uuid=cell_uuid)
    return cell_id


def _to_domain(row: models.InstanceMapping, cell_uuid: str | None) -> InstanceMapping:
    mapping = InstanceMapping(
        id=row.id,
        instance_uuid=row.instance_uuid,
        project_id=row.project_id,
        user_id=row.user_id,
        cell_uuid=cell_uuid,
        queued_for_delete=bool(row.queued_for_delete),
        created_at=row.created_at,
    )
    mapping.reset_changes()
    return mapping

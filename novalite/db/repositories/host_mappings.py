"""Host mappings (API database): which cell each compute host belongs to."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.repositories._common import to_domain
from novalite.domain.cell import HostMapping
from novalite.errors import CellMappingNotFound, HostMappingNotFound

#: Host mappings with their cell's uuid.
_JOINED = select(models.HostMapping, models.CellMapping.uuid).join(
    models.CellMapping, models.HostMapping.cell_id == models.CellMapping.id
)


class HostMappingRepository:
    """Reads and writes ``host_mappings`` in the API database.

    The domain object names its cell by uuid; the table holds the cell's id.
    """

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, mapping: HostMapping) -> HostMapping:
        """Map a host to a cell.

        CellMappingNotFound if the cell does not exist; DBDuplicateEntry if the
        host is already mapped (to any cell).
        """

        async def insert(session: AsyncSession) -> HostMapping:
            cell_id = await session.scalar(
                select(models.CellMapping.id).where(models.CellMapping.uuid == mapping.cell_uuid)
            )
            if cell_id is None:
                raise CellMappingNotFound(uuid=mapping.cell_uuid)
            row = models.HostMapping(host=mapping.host, cell_id=cell_id)
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return to_domain(HostMapping, row, cell_uuid=mapping.cell_uuid)

        return await self._db.write(insert)

    async def get_by_host(self, host: str) -> HostMapping:
        """The mapping of ``host``, else HostMappingNotFound."""

        async def query(session: AsyncSession) -> HostMapping:
            result = (await session.execute(_JOINED.where(models.HostMapping.host == host))).first()
            if result is None:
                raise HostMappingNotFound(name=host)
            return to_domain(HostMapping, result[0], cell_uuid=result[1])

        return await self._db.read(query)

    async def list_for_cell(self, cell_uuid: str) -> list[HostMapping]:
        """The hosts mapped to the cell, ordered by id (empty for an unknown cell)."""

        async def query(session: AsyncSession) -> list[HostMapping]:
            stmt = _JOINED.where(models.CellMapping.uuid == cell_uuid).order_by(
                models.HostMapping.id
            )
            return [
                to_domain(HostMapping, row, cell_uuid=uuid)
                for row, uuid in await session.execute(stmt)
            ]

        return await self._db.read(query)

    async def delete(self, host: str) -> None:
        """Remove the mapping of ``host``; HostMappingNotFound if it has none."""

        async def remove(session: AsyncSession) -> None:
            result = await session.execute(
                delete(models.HostMapping).where(models.HostMapping.host == host)
            )
            if not getattr(result, "rowcount", 0):
                raise HostMappingNotFound(name=host)

        await self._db.write(remove)

"""Cell mappings (API database): each cell's name, database URL and message-bus URL."""

from __future__ import annotations

import builtins
import dataclasses

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.repositories._common import changed_values, row_values, to_domain
from novalite.domain.cell import CELL0_UUID, CellMapping
from novalite.errors import CellMappingInUse, CellMappingNotFound, Invalid


@dataclasses.dataclass(frozen=True)
class CellUsage:
    """What still points at a cell: host mappings and instance mappings."""

    hosts: int
    instances: int

    @property
    def in_use(self) -> bool:
        """True when any host or instance is mapped to the cell."""
        return bool(self.hosts or self.instances)


class CellMappingRepository:
    """Reads and writes ``cell_mappings`` in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, cell: CellMapping) -> CellMapping:
        """Insert ``cell``; DBDuplicateEntry if its uuid is taken. Returns the stored cell."""

        async def insert(session: AsyncSession) -> CellMapping:
            row = models.CellMapping(**row_values(models.CellMapping, cell.as_dict()))
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return _to_domain(row)

        return await self._db.write(insert)

    async def get_by_uuid(self, uuid: str) -> CellMapping:
        """The cell with ``uuid``, else CellMappingNotFound."""
        return await self._db.read(_get_by_uuid, uuid)

    async def get_cell0(self) -> CellMapping:
        """cell0, home of the instances never scheduled (CellMappingNotFound if unmapped)."""
        return await self.get_by_uuid(CELL0_UUID)

    async def get_by_name(self, name: str) -> builtins.list[CellMapping]:
        """Every cell called ``name``, oldest first.

        Cell names are not unique (nova allows duplicates), hence a list; it is
        empty when no cell has that name.
        """

        async def query(session: AsyncSession) -> builtins.list[CellMapping]:
            stmt = (
                select(models.CellMapping)
                .where(models.CellMapping.name == name)
                .order_by(models.CellMapping.id)
            )
            return [_to_domain(row) for row in await session.scalars(stmt)]

        return await self._db.read(query)

    async def list_all(self) -> builtins.list[CellMapping]:
        """Every cell, cell0 included, ordered by id."""

        async def query(session: AsyncSession) -> builtins.list[CellMapping]:
            stmt = select(models.CellMapping).order_by(models.CellMapping.id)
            return [_to_domain(row) for row in await session.scalars(stmt)]

        return await self._db.read(query)

    async def save(self, cell: CellMapping) -> CellMapping:
        """Write the fields of ``cell`` that changed (``cell.changes()``), and only those.

        ``cell`` is updated in place (``updated_at``), its changes are reset, and
        it is returned. CellMappingNotFound if it no longer exists.
        """
        if cell.id is None:
            raise Invalid(reason="cannot save a cell mapping that was never created")
        values = changed_values(cell, models.CellMapping)
        if not values:
            cell.reset_changes()
            return cell

        async def update(session: AsyncSession) -> CellMapping:
            row = await session.get(models.CellMapping, cell.id)
            if row is None:
                raise CellMappingNotFound(uuid=cell.uuid)
            for name, value in values.items():
                setattr(row, name, value)
            await session.flush()
            await session.refresh(row)
            return _to_domain(row)

        stored = await self._db.write(update)
        cell.updated_at = stored.updated_at
        cell.reset_changes()
        return cell

    async def usage(self, uuid: str) -> CellUsage:
        """How many hosts and instances are mapped to the cell (CellMappingNotFound if none)."""

        async def query(session: AsyncSession) -> CellUsage:
            cell_id = (await _get_row(session, uuid)).id
            return await _usage(session, cell_id)

        return await self._db.read(query)

    async def delete(self, uuid: str, *, force: bool = False) -> None:
        """Delete the cell mapping.

        Refused with CellMappingInUse while hosts or instances are mapped to the
        cell, unless ``force``: then those host and instance mappings are deleted
        with it, in the same transaction. Checking that the cell's own database
        holds no live instance is the caller's job (``nova-manage`` does it).
        """

        async def remove(session: AsyncSession) -> None:
            row = await _get_row(session, uuid)
            usage = await _usage(session, row.id)
            if usage.in_use and not force:
                raise CellMappingInUse(uuid=uuid, hosts=usage.hosts, instances=usage.instances)
            await session.execute(
                delete(models.HostMapping).where(models.HostMapping.cell_id == row.id)
            )
            await session.execute(
                delete(models.InstanceMapping).where(models.InstanceMapping.cell_id == row.id)
            )
            await session.delete(row)

        await self._db.write(remove)


def _to_domain(row: models.CellMapping) -> CellMapping:
    return to_domain(
        CellMapping,
        row,
        transport_url=row.transport_url or "",
        database_connection=row.database_connection or "",
        disabled=bool(row.disabled),
    )


async def _get_row(session: AsyncSession, uuid: str) -> models.CellMapping:
    row = await session.scalar(select(models.CellMapping).where(models.CellMapping.uuid == uuid))
    if row is None:
        raise CellMappingNotFound(uuid=uuid)
    return row


async def _get_by_uuid(session: AsyncSession, uuid: str) -> CellMapping:
    return _to_domain(await _get_row(session, uuid))


async def _usage(session: AsyncSession, cell_id: int) -> CellUsage:
    hosts = await session.scalar(
        select(func.count())
        .select_from(models.HostMapping)
        .where(models.HostMapping.cell_id == cell_id)
    )
    instances = await session.scalar(
        select(func.count())
        .select_from(models.InstanceMapping)
        .where(models.InstanceMapping.cell_id == cell_id)
    )
    return CellUsage(hosts=hosts or 0, instances=instances or 0)

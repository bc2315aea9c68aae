"""The cells a conductor reaches: their mappings, and the stores over their databases."""

from __future__ import annotations

from novalite.conductor.ports import (
    ActionStore,
    ActionStoreFactory,
    InstanceStore,
    InstanceStoreFactory,
)
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.host_mappings import HostMappingRepository
from novalite.domain.cell import CellMapping
from novalite.errors import CellMappingNotFound


class CellDirectory:
    """Cell mappings from the API database, and each cell's instance and action stores.

    Cell mappings rarely change: they are cached once read (:meth:`all` refreshes the
    cache). Each cell's database comes from ``databases``, one pool per URL.
    """

    def __init__(
        self,
        cell_mappings: CellMappingRepository,
        host_mappings: HostMappingRepository,
        databases: DatabaseRegistry,
        *,
        instance_store: InstanceStoreFactory,
        action_store: ActionStoreFactory,
    ) -> None:
        self._cell_mappings = cell_mappings
        self._host_mappings = host_mappings
        self._databases = databases
        self._instance_store = instance_store
        self._action_store = action_store
        self._cells: dict[str, CellMapping] = {}

    async def get(self, uuid: str) -> CellMapping:
        """The cell with ``uuid`` (CellMappingNotFound)."""
        cell = self._cells.get(uuid)
        if cell is None:
            cell = self._cells[uuid] = await self._cell_mappings.get_by_uuid(uuid)
        return cell

    async def cell0(self) -> CellMapping:
        """cell0, where instances that could not be scheduled are kept."""
        cell = await self._cell_mappings.get_cell0()
        self._cells[cell.uuid] = cell
        return cell

    async def of_host(self, host: str) -> CellMapping:
        """The cell that ``host`` is mapped to (HostMappingNotFound, CellMappingNotFound)."""
        mapping = await self._host_mappings.get_by_host(host)
        return await self.get(mapping.cell_uuid)

    async def for_selection(self, cell_uuid: str | None, host: str) -> CellMapping:
        """The cell of a scheduler selection: its ``cell_uuid``, else the host's mapping."""
        if cell_uuid:
            try:
                return await self.get(cell_uuid)
            except CellMappingNotFound:
                pass
        return await self.of_host(host)

    async def all(self) -> list[CellMapping]:
        """Every cell (cell0 included), read afresh."""
        cells = await self._cell_mappings.list_all()
        self._cells = {cell.uuid: cell for cell in cells}
        return cells

    def instances(self, cell: CellMapping) -> InstanceStore:
        """The instance store of ``cell``."""
        return self._instance_store(self._databases.get(cell.database_connection), cell.uuid)

    def actions(self, cell: CellMapping) -> ActionStore:
        """The instance action store of ``cell``."""
        return self._action_store(self._databases.get(cell.database_connection))

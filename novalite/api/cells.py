"""From a cell mapping to what the API needs in that cell: its database and its compute bus.

The API reads (and, as nova's API does, writes) cell databases directly and casts to the
compute hosts of a cell over that cell's own message bus. :class:`CellRouter` keeps one
``Database`` per cell database URL (through the shared :class:`DatabaseRegistry`) and one
``ComputeAPI`` per cell ``transport_url``.
"""

from __future__ import annotations

from collections.abc import Callable

from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.domain.cell import CellMapping
from novalite.rpc.compute import ComputeAPI
from novalite.rpc.transport import get_transport

#: Builds the compute client of a cell from its ``transport_url``.
ComputeFactory = Callable[[str], ComputeAPI]


def default_compute_factory(transport_url: str) -> ComputeAPI:
    """A ``ComputeAPI`` on the process-wide shared transport of ``transport_url``."""
    return ComputeAPI(get_transport(transport_url))


class CellRouter:
    """Cell mappings (API database) resolved to cell databases and compute clients."""

    def __init__(
        self,
        api_db: Database,
        databases: DatabaseRegistry,
        compute_factory: ComputeFactory = default_compute_factory,
    ) -> None:
        self._mappings = CellMappingRepository(api_db)
        self._databases = databases
        self._compute_factory = compute_factory
        self._computes: dict[str, ComputeAPI] = {}

    async def cells(self) -> list[CellMapping]:
        """Every cell, cell0 included, in id order."""
        return await self._mappings.list_all()

    async def cell(self, cell_uuid: str) -> CellMapping:
        """The cell ``cell_uuid`` (CellMappingNotFound)."""
        return await self._mappings.get_by_uuid(cell_uuid)

    def database(self, cell: CellMapping) -> Database:
        """The cell's database (one shared pool per URL)."""
        return self._databases.get(cell.database_connection)

    def compute(self, cell: CellMapping) -> ComputeAPI:
        """The compute client on the cell's message bus (one per ``transport_url``)."""
        client = self._computes.get(cell.transport_url)
        if client is None:
            client = self._computes[cell.transport_url] = self._compute_factory(cell.transport_url)
        return client

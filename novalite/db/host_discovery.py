"""Host discovery: map the compute hosts that cells know of to their cell."""

from __future__ import annotations

import dataclasses
import logging

from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.compute_nodes import ComputeNodeRepository
from novalite.db.repositories.host_mappings import HostMappingRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.domain.cell import CellMapping, HostMapping
from novalite.errors import DBDuplicateEntry, HostMappingNotFound

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = "nova-compute"


@dataclasses.dataclass(frozen=True, slots=True)
class Discovered:
    """A host that discovery mapped, and the cell it was mapped to."""

    host: str
    cell: CellMapping


class HostDiscovery:
    """Finds unmapped compute hosts in cell databases and maps them (nova's discover_hosts).

    By default a host is found through its compute nodes, which are marked
    mapped afterwards; ``by_service`` finds hosts through their nova-compute
    service records instead (for drivers whose nodes come and go).
    """

    def __init__(
        self,
        cells: CellMappingRepository,
        hosts: HostMappingRepository,
        cell_databases: DatabaseRegistry,
    ) -> None:
        self._cells = cells
        self._hosts = hosts
        self._cell_databases = cell_databases

    async def discover(
        self, cell_uuid: str | None = None, *, by_service: bool = False
    ) -> list[Discovered]:
        """Map every unmapped host of one cell (or of all but cell0); return what was mapped."""
        if cell_uuid is not None:
            cells = [await self._cells.get_by_uuid(cell_uuid)]
        else:
            cells = [cell for cell in await self._cells.list_all() if not cell.is_cell0]
        found: list[Discovered] = []
        for cell in cells:
            db = self._cell_databases.get(cell.database_connection)
            if by_service:
                found += await self._by_service(cell, ServiceRepository(db))
            else:
                found += await self._by_compute_node(cell, ComputeNodeRepository(db))
        return found

    async def _by_compute_node(
        self, cell: CellMapping, nodes: ComputeNodeRepository
    ) -> list[Discovered]:
        unmapped = await nodes.list_unmapped()
        mapped: list[Discovered] = []
        for host in sorted({node.host for node in unmapped}):
            if await self._map(host, cell):
                mapped.append(Discovered(host, cell))
        await nodes.mark_mapped(node.id for node in unmapped if node.id is not None)
        return mapped

    async def _by_service(self, cell: CellMapping, services: ServiceRepository) -> list[Discovered]:
        mapped: list[Discovered] = []
        for service in await services.list(binary=COMPUTE_BINARY):
            if await self._map(service.host, cell):
                mapped.append(Discovered(service.host, cell))
        return mapped

    async def _map(self, host: str, cell: CellMapping) -> bool:
        """Map ``host`` to ``cell`` unless it already is; True if a mapping was made."""
        try:
            existing = await self._hosts.get_by_host(host)
        except HostMappingNotFound:
            pass
        else:
            if existing.cell_uuid != cell.uuid:
                LOG.warning(
                    "host %s is mapped to cell %s but also found in cell %s; left as it is",
                    host,
                    existing.cell_uuid,
                    cell.uuid,
                )
            return False
        try:
            await self._hosts.create(HostMapping(host=host, cell_uuid=cell.uuid))
        except DBDuplicateEntry:
            return False
        LOG.info("mapped host %s to cell %s (%s)", host, cell.name, cell.uuid)
        return True

"""Finding one server: its mapping, then its cell's row, or its build request if unscheduled."""

from __future__ import annotations

import dataclasses
import uuid as uuidlib

from novalite.api.cells import CellRouter
from novalite.db.engine import Database
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.cell import CellMapping
from novalite.domain.instance import Instance, InstanceMapping
from novalite.errors import (
    BuildRequestNotFound,
    CellMappingNotFound,
    InstanceMappingNotFound,
    InstanceNotFound,
)


@dataclasses.dataclass
class Located:
    """A server and where it is: ``cell`` is None while only its build request exists."""

    instance: Instance
    mapping: InstanceMapping
    cell: CellMapping | None = None


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a uuid nova accepts (dashes optional, any case)."""
    try:
        uuidlib.UUID(value)
    except ValueError:
        return False
    return True


async def find_server(
    api_db: Database, cells: CellRouter, uuid: str, *, with_fault: bool = False
) -> Located:
    """The server ``uuid`` wherever it is; InstanceNotFound (404) when it is not visible."""
    if not is_uuid(uuid):
        raise InstanceNotFound(instance_id=uuid)
    mappings = InstanceMappingRepository(api_db)
    try:
        mapping = await mappings.get(uuid)
    except InstanceMappingNotFound:
        raise InstanceNotFound(instance_id=uuid) from None
    if mapping.cell_uuid is None:
        try:
            build_request = await BuildRequestRepository(api_db).get(uuid)
        except BuildRequestNotFound:
            # Scheduled meanwhile: the conductor points the mapping at the cell first.
            mapping = await _reread(mappings, uuid)
        else:
            return Located(build_request.instance, mapping)
    if mapping.cell_uuid is None:
        raise InstanceNotFound(instance_id=uuid)
    try:
        cell = await cells.cell(mapping.cell_uuid)
    except CellMappingNotFound:
        raise InstanceNotFound(instance_id=uuid) from None
    repo = InstanceRepository(cells.database(cell), cell.uuid)
    instance = await repo.get(uuid, with_fault=with_fault)
    return Located(instance, mapping, cell)


async def _reread(mappings: InstanceMappingRepository, uuid: str) -> InstanceMapping:
    try:
        return await mappings.get(uuid)
    except InstanceMappingNotFound:
        raise InstanceNotFound(instance_id=uuid) from None

"""Finding one server: its mapping, then its cell's row, or its build request if unscheduled."""

from __future__ import annotations

import dataclasses
import uuid as uuidlib

from novalite.api.cells import CellRouter
from novalite.api_common.microversion import Version
from novalite.db.engine import Database
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.cell import CellMapping
from novalite.domain.instance import Instance, InstanceMapping
from novalite.domain.request_spec import RequestSpec
from novalite.errors import (
    BuildRequestNotFound,
    CellMappingNotFound,
    DBError,
    InstanceMappingNotFound,
    InstanceNotFound,
    NovaliteError,
)

#: From this microversion a server whose cell does not answer is shown from what the API
#: database knows of it (status UNKNOWN) instead of failing the request.
DOWN_CELL_RECORDS = Version(2, 69)


class CellUnavailable(NovaliteError):
    """The server's cell database did not answer (500, as nova, before 2.69)."""

    code = "novalite.api.cell_unavailable"
    msg_fmt = "Cell {cell_uuid} is not responding, hence instance info is not available."

    def __init__(self, mapping: InstanceMapping) -> None:
        super().__init__(cell_uuid=mapping.cell_uuid)
        self.mapping = mapping


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
    try:
        instance = await repo.get(uuid, with_fault=with_fault)
    except DBError as exc:
        raise CellUnavailable(mapping) from exc
    return Located(instance, mapping, cell)


def partial_instance(mapping: InstanceMapping, spec: RequestSpec) -> Instance:
    """What the API database knows of a server whose cell does not answer: owner and
    creation time from its mapping, flavor, image and zone from its request spec."""
    return Instance(
        uuid=mapping.instance_uuid,
        project_id=mapping.project_id,
        user_id=spec.user_id or mapping.user_id,
        created_at=mapping.created_at,
        flavor=spec.flavor(),
        image_ref=spec.image_id,
        availability_zone=spec.availability_zone,
        power_state=0,
    )


async def _reread(mappings: InstanceMappingRepository, uuid: str) -> InstanceMapping:
    try:
        return await mappings.get(uuid)
    except InstanceMappingNotFound:
        raise InstanceNotFound(instance_id=uuid) from None

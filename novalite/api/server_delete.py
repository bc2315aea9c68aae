"""Deleting servers (``DELETE /servers/{id}`` and ``forceDelete``), as nova's API does.

* Not in a cell yet: delete the build request; if it was already gone the server was
  just scheduled, so look it up again and delete it in its cell.
* In cell0, without a host, or on a host whose compute service is down: delete it
  locally (destroy the row, drop its placement allocations).
* Otherwise: set task_state ``deleting`` (compare-and-swap), record the ``delete``
  action, and cast ``terminate_instance`` to its compute host.
"""

from __future__ import annotations

import logging

from novalite.api.cells import CellRouter
from novalite.api.server_lookup import Located, find_server
from novalite.api.server_ops import record_action
from novalite.clients.placement import PlacementClient
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.domain.cell import CellMapping
from novalite.domain.instance import ACTION_DELETE, Instance
from novalite.domain.states import TaskState
from novalite.errors import (
    ClientError,
    InstanceNotFound,
    ServiceNotFound,
    UnexpectedDeletingTaskState,
    UnexpectedTaskState,
)

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = "nova-compute"


class ServerDeleter:
    """Deletes one server wherever it is."""

    def __init__(
        self,
        api_db: Database,
        cells: CellRouter,
        *,
        placement: PlacementClient | None = None,
        service_down_time: float = 60.0,
    ) -> None:
        self._db = api_db
        self._cells = cells
        self._placement = placement
        self._service_down_time = service_down_time

    async def delete(self, ctx: RequestContext, located: Located) -> None:
        """Delete the server ``located`` points at."""
        if located.cell is None:
            uuid = located.instance.uuid
            if await BuildRequestRepository(self._db).delete(uuid):
                await InstanceMappingRepository(self._db).set_queued_for_delete(uuid)
                LOG.info("Deleted build request of instance %s before it was scheduled", uuid)
                return
            located = await find_server(self._db, self._cells, uuid)
            if located.cell is None:
                raise InstanceNotFound(instance_id=uuid)
        cell = located.cell
        instance = located.instance
        if cell.is_cell0 or not instance.host or not await self._host_is_up(cell, instance.host):
            await self._local_delete(ctx, cell, instance)
            return
        await self._remote_delete(ctx, cell, instance)

    async def _host_is_up(self, cell: CellMapping, host: str) -> bool:
        services = ServiceRepository(self._cells.database(cell), compute_binary=COMPUTE_BINARY)
        try:
            service = await services.get_by_host_and_binary(host, COMPUTE_BINARY)
        except ServiceNotFound:
            return False
        return service.is_up(self._service_down_time)

    async def _local_delete(
        self, ctx: RequestContext, cell: CellMapping, instance: Instance
    ) -> None:
        repo = InstanceRepository(self._cells.database(cell), cell.uuid)
        await repo.destroy(instance.uuid)
        await InstanceMappingRepository(self._db).set_queued_for_delete(instance.uuid)
        if self._placement is not None:
            try:
                await self._placement.delete_allocations(instance.uuid, context=ctx)
            except ClientError as exc:
                LOG.warning("Allocations of deleted instance %s remain: %s", instance.uuid, exc)
        LOG.info("Deleted instance %s locally (cell %s)", instance.uuid, cell.name)

    async def _remote_delete(
        self, ctx: RequestContext, cell: CellMapping, instance: Instance
    ) -> None:
        if instance.task_state == TaskState.DELETING.value:
            LOG.info("Instance %s is already being deleted", instance.uuid)
            return
        db = self._cells.database(cell)
        repo = InstanceRepository(db, cell.uuid)
        try:
            updated = await repo.update(
                instance.uuid,
                {"task_state": TaskState.DELETING.value, "progress": 0},
                expected_task_state=[instance.task_state],
            )
        except UnexpectedDeletingTaskState:
            LOG.info("Instance %s is already being deleted", instance.uuid)
            return
        except UnexpectedTaskState:
            current = await repo.get(instance.uuid)
            if current.task_state == TaskState.DELETING.value:
                return
            updated = await repo.update(
                instance.uuid,
                {"task_state": TaskState.DELETING.value, "progress": 0},
                expected_task_state=[current.task_state],
            )
        await record_action(ctx, db, updated, ACTION_DELETE)
        await InstanceMappingRepository(self._db).set_queued_for_delete(instance.uuid)
        await self._cells.compute(cell).terminate_instance(ctx, updated)

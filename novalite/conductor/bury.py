"""Burying in cell0: an instance that could not be scheduled ends there in ERROR."""

from __future__ import annotations

import logging

from novalite.conductor.faults import event_traceback, fault_from_exception, fault_message
from novalite.conductor.ports import BuildRequestStore, Cells
from novalite.context import RequestContext
from novalite.domain.instance import ACTION_CREATE, Instance, InstanceAction
from novalite.domain.states import VmState
from novalite.errors import BuildRequestNotFound

LOG = logging.getLogger(__name__)

#: The action event the super-conductor records for each instance it schedules.
SCHEDULE_EVENT = "conductor_schedule_and_build_instances"


class CellZeroBurial:
    """Moves build requests that will never be scheduled into cell0, in ERROR with a fault."""

    def __init__(
        self,
        cells: Cells,
        build_requests: BuildRequestStore,
        *,
        host: str,
    ) -> None:
        self._cells = cells
        self._build_requests = build_requests
        self._host = host

    async def bury(
        self, ctx: RequestContext, instance_uuid: str, exc: BaseException
    ) -> Instance | None:
        """Create the instance of the build request in cell0 with ``exc`` as its fault.

        Returns the buried instance, or None when the build request is gone (the user
        deleted the server meanwhile).
        """
        try:
            build_request = await self._build_requests.get(instance_uuid)
        except BuildRequestNotFound:
            LOG.info("build request of %s is gone; nothing to bury in cell0", instance_uuid)
            return None
        cell0 = await self._cells.cell0()
        instances = self._cells.instances(cell0)
        actions = self._cells.actions(cell0)
        draft = Instance.from_primitive(build_request.instance.to_primitive())
        draft.uuid = instance_uuid
        draft.id = None
        draft.vm_state = VmState.ERROR
        draft.task_state = None
        draft.host = draft.node = None
        draft.cell_uuid = cell0.uuid
        draft.tags = list(build_request.tags or draft.tags)
        instance = await instances.create(draft)
        await instances.add_fault(fault_from_exception(instance_uuid, exc))
        request_id = ctx.request_id
        await actions.action_start(
            InstanceAction(
                action=ACTION_CREATE,
                instance_uuid=instance_uuid,
                request_id=request_id,
                user_id=ctx.user_id or instance.user_id,
                project_id=ctx.project_id or instance.project_id,
            )
        )
        await actions.event_start(instance_uuid, request_id, SCHEDULE_EVENT, self._host)
        await actions.event_finish(
            instance_uuid,
            request_id,
            SCHEDULE_EVENT,
            "Error",
            traceback=event_traceback(exc),
            details=fault_message(exc),
        )
        if not await self._build_requests.hand_over(instance_uuid, cell0.uuid):
            LOG.info("server %s was deleted while it was buried in cell0", instance_uuid)
            return await instances.destroy(instance_uuid)
        LOG.warning("instance %s is in cell0 in ERROR: %s", instance_uuid, fault_message(exc))
        return instance

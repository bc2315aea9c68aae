"""Rescheduling: after a failed build, claim the next alternate host and build there."""

from __future__ import annotations

import logging
from collections.abc import Callable

from novalite.conductor.faults import fault_from_exception
from novalite.conductor.ports import Allocations, Cells, InstanceStore
from novalite.context import RequestContext
from novalite.domain.cell import CellMapping
from novalite.domain.instance import Instance
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.states import TaskState, VmState
from novalite.errors import (
    CellMappingNotFound,
    HostMappingNotFound,
    InstanceNotFound,
    MaxRetriesExceeded,
    PlacementConflict,
    UnexpectedTaskState,
)
from novalite.rpc.compute import ComputeAPI

LOG = logging.getLogger(__name__)

#: The task_states a build may be in when its host gives up on it.
BUILD_TASK_STATES: frozenset[str | None] = frozenset(
    {
        None,
        TaskState.SCHEDULING,
        TaskState.BLOCK_DEVICE_MAPPING,
        TaskState.NETWORKING,
        TaskState.SPAWNING,
    }
)


class Rescheduler:
    """``build_instances``: move a failed build to its next alternate, or put it in ERROR."""

    def __init__(
        self,
        *,
        compute_api_for: Callable[[CellMapping], ComputeAPI],
        placement: Allocations,
        cells: Cells,
    ) -> None:
        self._compute_api_for = compute_api_for
        self._placement = placement
        self._cells = cells

    async def run(
        self,
        ctx: RequestContext,
        instance: Instance,
        request_spec: RequestSpec,
        alternates: list[Selection],
        reason: str,
    ) -> None:
        """Claim the first alternate that placement accepts and cast the build to it."""
        LOG.info("rescheduling instance %s: %s", instance.uuid, reason)
        cell = await self._cell_of(instance, alternates)
        instances = self._cells.instances(cell)
        remaining = list(alternates)
        while remaining:
            candidate = remaining.pop(0)
            if not await self._claim(ctx, instance, candidate):
                continue
            try:
                moved = await instances.update(
                    instance.uuid,
                    {
                        "host": candidate.service_host,
                        "node": candidate.nodename,
                        "task_state": TaskState.SCHEDULING,
                    },
                    expected_vm_state=[VmState.BUILDING],
                    expected_task_state=BUILD_TASK_STATES,
                )
            except (InstanceNotFound, UnexpectedTaskState) as exc:
                LOG.info("not rescheduling instance %s: %s", instance.uuid, exc)
                await self._placement.delete_allocations(instance.uuid, context=ctx)
                return
            await self._compute_api_for(cell).build_and_run_instance(
                ctx,
                candidate.service_host,
                instance=moved,
                request_spec=request_spec,
                selection=candidate,
                alternates=remaining,
            )
            return
        await self._give_up(ctx, instances, instance, reason)

    async def _cell_of(self, instance: Instance, alternates: list[Selection]) -> CellMapping:
        if instance.cell_uuid:
            return await self._cells.get(instance.cell_uuid)
        for candidate in alternates:
            try:
                return await self._cells.for_selection(candidate.cell_uuid, candidate.service_host)
            except (HostMappingNotFound, CellMappingNotFound):
                continue
        if instance.host:
            return await self._cells.of_host(instance.host)
        raise InstanceNotFound(instance_id=instance.uuid)

    async def _claim(self, ctx: RequestContext, instance: Instance, candidate: Selection) -> bool:
        """Replace the instance's allocations with the candidate's allocation request."""
        if not candidate.allocation_request:
            return False
        current = await self._placement.get_allocations(instance.uuid, context=ctx)
        generation = current.get("consumer_generation") if current.get("allocations") else None
        try:
            await self._placement.claim(
                instance.uuid,
                candidate.allocation_request,
                instance.project_id or current.get("project_id") or "",
                instance.user_id or current.get("user_id") or "",
                generation,
                context=ctx,
            )
        except PlacementConflict as exc:
            LOG.info(
                "alternate %s refused instance %s: %s", candidate.service_host, instance.uuid, exc
            )
            return False
        return True

    async def _give_up(
        self, ctx: RequestContext, instances: InstanceStore, instance: Instance, reason: str
    ) -> None:
        error = MaxRetriesExceeded(
            reason="Exhausted all hosts available for retrying build failures for "
            f"instance {instance.uuid}.",
            details=reason,
        )
        LOG.error("instance %s: %s", instance.uuid, error.message)
        await self._placement.delete_allocations(instance.uuid, context=ctx)
        try:
            await instances.update(
                instance.uuid,
                {"vm_state": VmState.ERROR, "task_state": None},
                expected_task_state=BUILD_TASK_STATES,
            )
        except (InstanceNotFound, UnexpectedTaskState) as exc:
            LOG.info("instance %s is no longer building: %s", instance.uuid, exc)
            return
        await instances.add_fault(fault_from_exception(instance.uuid, error))

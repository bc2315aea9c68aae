"""The super-conductor's build flow: schedule, create in the chosen cell, cast the build."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable

from novalite.conductor.bury import SCHEDULE_EVENT, CellZeroBurial
from novalite.conductor.ports import (
    Allocations,
    BuildRequestStore,
    Cells,
    InstanceMappingStore,
    ServerGroupStore,
)
from novalite.conductor.reschedule import Rescheduler
from novalite.context import RequestContext
from novalite.domain.cell import CellMapping
from novalite.domain.instance import (
    ACTION_CREATE,
    BuildRequest,
    Instance,
    InstanceAction,
    InstanceActionEvent,
)
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.states import TaskState, VmState
from novalite.errors import (
    BuildRequestNotFound,
    CellMappingNotFound,
    HostMappingNotFound,
    InstanceGroupNotFound,
    NoValidHost,
)
from novalite.rpc import conductor as conductor_rpc
from novalite.rpc import expose
from novalite.rpc.compute import ComputeAPI
from novalite.rpc.scheduler import SchedulerAPI

LOG = logging.getLogger(__name__)

ComputeAPIFor = Callable[[CellMapping], ComputeAPI]
"""The compute RPC client on a cell's message bus."""


class BuildFlow:
    """``schedule_and_build_instances``: from build requests to builds cast to hosts."""

    def __init__(
        self,
        *,
        host: str,
        scheduler: SchedulerAPI,
        compute_api_for: ComputeAPIFor,
        placement: Allocations,
        cells: Cells,
        build_requests: BuildRequestStore,
        instance_mappings: InstanceMappingStore,
        server_groups: ServerGroupStore,
        burial: CellZeroBurial,
    ) -> None:
        self._host = host
        self._scheduler = scheduler
        self._compute_api_for = compute_api_for
        self._placement = placement
        self._cells = cells
        self._build_requests = build_requests
        self._mappings = instance_mappings
        self._groups = server_groups
        self._burial = burial

    async def run(
        self, ctx: RequestContext, request_spec: RequestSpec, instance_uuids: list[str]
    ) -> None:
        """Schedule every instance of the request; bury them all in cell0 if that fails."""
        await self._fill_group(request_spec)
        try:
            selections = await self._scheduler.select_destinations(
                ctx, request_spec, instance_uuids, return_alternates=True
            )
        except Exception as exc:
            LOG.warning("scheduling %s failed: %s", ", ".join(instance_uuids), exc)
            for uuid in instance_uuids:
                await self._bury(ctx, uuid, exc)
            return
        for uuid, hosts in zip(instance_uuids, selections, strict=False):
            try:
                await self._build_one(ctx, request_spec, uuid, hosts)
            except Exception:
                LOG.exception("could not start the build of instance %s", uuid)

    async def _bury(self, ctx: RequestContext, uuid: str, exc: BaseException) -> None:
        try:
            await self._burial.bury(ctx, uuid, exc)
        except Exception:
            LOG.exception("could not bury instance %s in cell0", uuid)

    async def _fill_group(self, spec: RequestSpec) -> None:
        """Give the spec's server group its current members and the hosts they run on."""
        group = spec.instance_group
        if group is None:
            return
        try:
            stored = await self._groups.get(group.uuid)
        except InstanceGroupNotFound:
            LOG.warning("server group %s of the request no longer exists", group.uuid)
            return
        members = list(dict.fromkeys([*stored.members, *group.members]))
        by_cell: dict[str, list[str]] = {}
        for uuid, mapping in (await self._mappings.get_many(members)).items():
            if mapping.cell_uuid:
                by_cell.setdefault(mapping.cell_uuid, []).append(uuid)
        hosts: set[str] = set(group.hosts)
        for cell_uuid, uuids in by_cell.items():
            cell = await self._cells.get(cell_uuid)
            if not cell.is_cell0:
                hosts.update((await self._cells.instances(cell).hosts_of(uuids)).values())
        group.members = members
        group.hosts = sorted(hosts)

    async def _build_one(
        self, ctx: RequestContext, spec: RequestSpec, uuid: str, hosts: list[Selection]
    ) -> None:
        selected, alternates = hosts[0], hosts[1:]
        try:
            build_request = await self._build_requests.get(uuid)
        except BuildRequestNotFound:
            LOG.info("server %s was deleted while it was scheduled", uuid)
            await self._placement.delete_allocations(uuid, context=ctx)
            return
        try:
            cell = await self._cells.for_selection(selected.cell_uuid, selected.service_host)
        except (HostMappingNotFound, CellMappingNotFound):
            await self._placement.delete_allocations(uuid, context=ctx)
            reason = f"Host '{selected.service_host}' is not mapped to any cell"
            await self._bury(ctx, uuid, NoValidHost(reason=reason))
            return
        instance = await self._create_in_cell(ctx, cell, build_request, selected)
        if not await self._build_requests.hand_over(uuid, cell.uuid):
            LOG.info("server %s was deleted while it was created in cell %s", uuid, cell.uuid)
            await self._cells.instances(cell).destroy(uuid)
            await self._placement.delete_allocations(uuid, context=ctx)
            return
        group = spec.instance_group
        if group is not None and uuid not in group.members:
            await self._groups.add_members(group.uuid, [uuid])
            group.members.append(uuid)
        await self._compute_api_for(cell).build_and_run_instance(
            ctx,
            selected.service_host,
            instance=instance,
            request_spec=spec,
            selection=selected,
            alternates=alternates,
        )

    async def _create_in_cell(
        self,
        ctx: RequestContext,
        cell: CellMapping,
        build_request: BuildRequest,
        selected: Selection,
    ) -> Instance:
        draft = Instance.from_primitive(build_request.instance.to_primitive())
        draft.uuid = build_request.instance_uuid
        draft.id = None
        draft.host = selected.service_host
        draft.node = selected.nodename
        draft.vm_state = VmState.BUILDING
        draft.task_state = TaskState.SCHEDULING
        draft.cell_uuid = cell.uuid
        draft.tags = list(build_request.tags or draft.tags)
        now = datetime.datetime.now(datetime.UTC)
        scheduled = InstanceActionEvent(
            event=SCHEDULE_EVENT, start_time=now, finish_time=now, result="Success", host=self._host
        )
        action = InstanceAction(
            action=ACTION_CREATE,
            instance_uuid=draft.uuid,
            request_id=ctx.request_id,
            user_id=ctx.user_id or draft.user_id,
            project_id=ctx.project_id or draft.project_id,
            start_time=now,
            events=[scheduled],
        )
        return await self._cells.instances(cell).create(draft, action=action)


class ComputeTaskManager:
    """The super-conductor's endpoint on the ``conductor`` topic: builds and reschedules."""

    RPC_API_VERSION = conductor_rpc.VERSION

    def __init__(self, build: BuildFlow, reschedule: Rescheduler) -> None:
        self._build = build
        self._reschedule = reschedule

    @expose
    async def schedule_and_build_instances(
        self, ctx: RequestContext, *, request_spec: RequestSpec, instance_uuids: list[str]
    ) -> None:
        """Schedule the build requests of ``instance_uuids`` and cast their builds."""
        await self._build.run(ctx, request_spec, instance_uuids)

    @expose
    async def build_instances(
        self,
        ctx: RequestContext,
        *,
        instance: Instance,
        request_spec: RequestSpec,
        alternates: list[Selection],
        reason: str,
    ) -> None:
        """Reschedule ``instance`` to the next alternate after its build failed on a host."""
        await self._reschedule.run(ctx, instance, request_spec, alternates, reason)

"""In-memory stand-ins for the conductor's stores, placement and RPC peers."""

from __future__ import annotations

import datetime
from collections.abc import Collection, Mapping
from typing import Any

from novalite.context import RequestContext
from novalite.domain.cell import CELL0_UUID, CellMapping
from novalite.domain.instance import (
    BuildRequest,
    Instance,
    InstanceAction,
    InstanceActionEvent,
    InstanceFault,
    InstanceMapping,
)
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.server_group import ServerGroup
from novalite.errors import (
    BuildRequestNotFound,
    CellMappingNotFound,
    HostMappingNotFound,
    InstanceActionNotFound,
    InstanceGroupNotFound,
    InstanceMappingNotFound,
    InstanceNotFound,
    PlacementConflict,
    UnexpectedDeletingTaskState,
    UnexpectedTaskState,
)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class FakeInstances:
    """One cell's instances."""

    def __init__(self, cell_uuid: str, actions: FakeActions | None = None) -> None:
        self.cell_uuid = cell_uuid
        self.actions = actions or FakeActions()
        self.rows: dict[str, Instance] = {}
        self.faults: list[InstanceFault] = []

    async def create(self, instance: Instance, *, action: InstanceAction | None = None) -> Instance:
        stored = Instance.from_primitive(instance.to_primitive())
        stored.id = len(self.rows) + 1
        stored.cell_uuid = self.cell_uuid
        stored.created_at = stored.updated_at = now()
        self.rows[stored.uuid] = stored
        if action is not None:
            await self.actions.action_start(action)
        return stored

    async def get(
        self, uuid: str, *, with_fault: bool = False, read_deleted: bool = False
    ) -> Instance:
        row = self.rows.get(uuid)
        if row is None or (row.deleted and not read_deleted):
            raise InstanceNotFound(instance_id=uuid)
        return row

    async def update(
        self,
        uuid: str,
        values: Mapping[str, Any],
        *,
        expected_task_state: Collection[str | None] | None = None,
        expected_vm_state: Collection[str] | None = None,
    ) -> Instance:
        row = await self.get(uuid)
        if expected_task_state is not None and row.task_state not in expected_task_state:
            cls = (
                UnexpectedDeletingTaskState if row.task_state == "deleting" else UnexpectedTaskState
            )
            raise cls(instance_uuid=uuid, expected=expected_task_state, actual=row.task_state)
        if expected_vm_state is not None and row.vm_state not in expected_vm_state:
            raise UnexpectedTaskState(
                instance_uuid=uuid, expected=expected_vm_state, actual=row.vm_state
            )
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = now()
        return row

    async def destroy(self, uuid: str) -> Instance:
        row = await self.get(uuid)
        row.vm_state, row.task_state, row.deleted = "deleted", None, True
        return row

    async def list_by_host(self, host: str) -> list[Instance]:
        return [r for r in self.rows.values() if r.host == host and not r.deleted]

    async def list_in_task_past(self, cutoffs: Mapping[str, datetime.datetime]) -> list[Instance]:
        found = []
        for row in self.rows.values():
            cutoff = cutoffs.get(row.task_state or "")
            if not row.deleted and cutoff and (row.updated_at or now()) < cutoff:
                found.append(row)
        return found

    async def add_fault(self, fault: InstanceFault) -> InstanceFault:
        self.faults.append(fault)
        return fault

    async def hosts_of(self, uuids: Collection[str]) -> dict[str, str]:
        return {u: r.host for u, r in self.rows.items() if u in uuids and r.host and not r.deleted}


class FakeActions:
    """One cell's instance actions."""

    def __init__(self) -> None:
        self.actions: list[InstanceAction] = []

    def find(self, instance_uuid: str, request_id: str) -> InstanceAction:
        for action in self.actions:
            if action.instance_uuid == instance_uuid and action.request_id == request_id:
                return action
        raise InstanceActionNotFound(request_id=request_id, instance_uuid=instance_uuid)

    async def action_start(self, action: InstanceAction) -> InstanceAction:
        self.actions.append(action)
        return action

    async def event_start(
        self, instance_uuid: str, request_id: str, event: str, host: str | None
    ) -> InstanceActionEvent:
        action = self.find(instance_uuid, request_id)
        record = InstanceActionEvent(event=event, host=host, start_time=now())
        action.events.append(record)
        return record

    async def event_finish(
        self,
        instance_uuid: str,
        request_id: str,
        event: str,
        result: str,
        *,
        traceback: str | None = None,
        details: str | None = None,
    ) -> InstanceActionEvent:
        action = self.find(instance_uuid, request_id)
        record = next(e for e in action.events if e.event == event)
        record.result, record.traceback, record.details = result, traceback, details
        if result == "Error":
            action.message = "Error"
        return record


class FakeBuildRequests:
    def __init__(self, mappings: FakeMappings) -> None:
        self.rows: dict[str, BuildRequest] = {}
        self.mappings = mappings

    async def get(self, instance_uuid: str) -> BuildRequest:
        try:
            return self.rows[instance_uuid]
        except KeyError:
            raise BuildRequestNotFound(uuid=instance_uuid) from None

    async def list(self, project_id: str | None = None) -> list[BuildRequest]:
        return list(self.rows.values())

    async def delete(self, instance_uuid: str) -> bool:
        return self.rows.pop(instance_uuid, None) is not None

    async def hand_over(self, instance_uuid: str, cell_uuid: str) -> bool:
        await self.mappings.set_cell(instance_uuid, cell_uuid)
        return await self.delete(instance_uuid)


class FakeMappings:
    def __init__(self) -> None:
        self.rows: dict[str, InstanceMapping] = {}

    async def get(self, instance_uuid: str) -> InstanceMapping:
        try:
            return self.rows[instance_uuid]
        except KeyError:
            raise InstanceMappingNotFound(uuid=instance_uuid) from None

    async def get_many(self, uuids: Collection[str]) -> dict[str, InstanceMapping]:
        return {u: m for u, m in self.rows.items() if u in uuids}

    async def set_cell(self, instance_uuid: str, cell_uuid: str) -> InstanceMapping:
        mapping = await self.get(instance_uuid)
        mapping.cell_uuid = cell_uuid
        return mapping


class FakeGroups:
    def __init__(self) -> None:
        self.rows: dict[str, ServerGroup] = {}

    async def get(self, uuid: str) -> ServerGroup:
        try:
            return ServerGroup.from_primitive(self.rows[uuid].to_primitive())
        except KeyError:
            raise InstanceGroupNotFound(group_uuid=uuid) from None

    async def add_members(self, uuid: str, instance_uuids: Collection[str]) -> None:
        self.rows[uuid].members.extend(
            u for u in instance_uuids if u not in self.rows[uuid].members
        )


class FakePlacement:
    """Allocations per consumer; ``refuse`` names providers whose claims conflict."""

    def __init__(self) -> None:
        self.allocations: dict[str, dict[str, Any]] = {}
        self.generations: dict[str, int] = {}
        self.refuse: set[str] = set()

    async def get_allocations(
        self, consumer_uuid: str, *, context: RequestContext | None = None
    ) -> dict[str, Any]:
        if consumer_uuid not in self.allocations:
            return {"allocations": {}}
        return {
            "allocations": self.allocations[consumer_uuid],
            "consumer_generation": self.generations[consumer_uuid],
            "project_id": "p",
            "user_id": "u",
        }

    async def claim(
        self,
        consumer_uuid: str,
        allocation_request: Mapping[str, Any],
        project_id: str,
        user_id: str,
        consumer_generation: int | None = None,
        *,
        context: RequestContext | None = None,
    ) -> None:
        allocations = dict(allocation_request.get("allocations", allocation_request))
        if self.refuse & set(allocations):
            raise PlacementConflict(path=f"/allocations/{consumer_uuid}", detail="no capacity")
        if consumer_generation != self.generations.get(consumer_uuid):
            raise PlacementConflict(
                path=f"/allocations/{consumer_uuid}", detail="consumer generation"
            )
        self.allocations[consumer_uuid] = allocations
        self.generations[consumer_uuid] = self.generations.get(consumer_uuid, 0) + 1

    async def delete_allocations(
        self, consumer_uuid: str, *, context: RequestContext | None = None
    ) -> bool:
        self.generations.pop(consumer_uuid, None)
        return self.allocations.pop(consumer_uuid, None) is not None


class FakeScheduler:
    """Answers with ``selections`` or raises ``error``; claims the first host of each."""

    def __init__(self, placement: FakePlacement) -> None:
        self.placement = placement
        self.selections: list[list[Selection]] = []
        self.error: Exception | None = None
        self.specs: list[RequestSpec] = []

    async def select_destinations(
        self,
        ctx: RequestContext,
        request_spec: RequestSpec,
        instance_uuids: list[str],
        *,
        return_alternates: bool = True,
    ) -> list[list[Selection]]:
        self.specs.append(RequestSpec.from_primitive(request_spec.to_primitive()))
        if self.error is not None:
            raise self.error
        for hosts in self.selections:
            await self.placement.claim(
                hosts[0].instance_uuid, hosts[0].allocation_request, "p", "u"
            )
        return self.selections


class FakeCompute:
    """Records the builds cast to hosts."""

    def __init__(self) -> None:
        self.builds: list[dict[str, Any]] = []

    async def build_and_run_instance(
        self,
        ctx: RequestContext,
        host: str,
        *,
        instance: Instance,
        request_spec: RequestSpec,
        selection: Selection,
        alternates: list[Selection],
    ) -> None:
        self.builds.append(
            {"host": host, "instance": instance, "selection": selection, "alternates": alternates}
        )


class FakeCells:
    """A CellDirectory over in-memory cells: cell0, and ``cell1`` holding ``hosts``."""

    def __init__(self, hosts: Collection[str]) -> None:
        self.zero = CellMapping(
            uuid=CELL0_UUID, name="cell0", transport_url="none:///", database_connection="c0"
        )
        self.one = CellMapping(name="cell1", transport_url="none:///", database_connection="c1")
        self.cells = {c.uuid: c for c in (self.zero, self.one)}
        self.hosts = dict.fromkeys(hosts, self.one.uuid)
        self.action_stores = {uuid: FakeActions() for uuid in self.cells}
        self.stores = {uuid: FakeInstances(uuid, self.action_stores[uuid]) for uuid in self.cells}

    async def get(self, uuid: str) -> CellMapping:
        try:
            return self.cells[uuid]
        except KeyError:
            raise CellMappingNotFound(uuid=uuid) from None

    async def cell0(self) -> CellMapping:
        return self.cells[CELL0_UUID]

    async def of_host(self, host: str) -> CellMapping:
        if host not in self.hosts:
            raise HostMappingNotFound(host=host)
        return await self.get(self.hosts[host])

    async def for_selection(self, cell_uuid: str | None, host: str) -> CellMapping:
        if cell_uuid and cell_uuid in self.cells:
            return self.cells[cell_uuid]
        return await self.of_host(host)

    async def all(self) -> list[CellMapping]:
        return list(self.cells.values())

    def instances(self, cell: CellMapping) -> FakeInstances:
        return self.stores[cell.uuid]

    def actions(self, cell: CellMapping) -> FakeActions:
        return self.action_stores[cell.uuid]

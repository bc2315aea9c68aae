"""In-memory stand-ins of the conductor and placement for the compute host's tests.

:class:`FakeConductor` keeps instances with the cell repository's compare-and-swap
semantics; :class:`ConductorEndpoint` serves it on the ``conductor`` topic so that
functional tests go through real RPC.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Collection, Mapping
from typing import Any, TypeVar, cast

from novalite.context import RequestContext
from novalite.domain.base import from_primitive, to_primitive
from novalite.domain.compute_node import ComputeNode
from novalite.domain.flavor import Flavor
from novalite.domain.instance import Instance, InstanceFault
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.service import Service
from novalite.errors import (
    InstanceNotFound,
    UnexpectedDeletingTaskState,
    UnexpectedTaskState,
    UnexpectedVMState,
)
from novalite.rpc import expose
from novalite.rpc.conductor import ConductorAPI

ADMIN = RequestContext.admin(request_id="req-test")


T = TypeVar("T")


def copy(obj: T) -> T:
    """A deep copy, as a trip over the bus would make."""
    return cast(T, from_primitive(to_primitive(obj)))


def flavor(vcpus: int = 1, memory_mb: int = 512, root_gb: int = 1, **kw: Any) -> Flavor:
    return Flavor(
        flavorid="f1", name="m1.test", vcpus=vcpus, memory_mb=memory_mb, root_gb=root_gb, **kw
    )


def instance(host: str = "h1", **kw: Any) -> Instance:
    values: dict[str, Any] = {
        "host": host,
        "node": host,
        "vm_state": "building",
        "task_state": "scheduling",
        "flavor": flavor(),
        "project_id": "p1",
        "user_id": "u1",
    }
    values.update(kw)
    return Instance(**values)


def selection(inst: Instance, host: str = "h1") -> Selection:
    return Selection(
        instance_uuid=inst.uuid, service_host=host, nodename=host, compute_node_uuid="cn"
    )


def spec(inst: Instance) -> RequestSpec:
    return RequestSpec(instance_uuid=inst.uuid)


@dataclasses.dataclass
class Event:
    instance_uuid: str
    request_id: str
    event: str
    result: str | None = None
    details: str | None = None
    traceback: str | None = None


class FakeConductor:
    """The conductor's object service in memory (positional API of ConductorAPI)."""

    def __init__(self) -> None:
        self.instances: dict[str, Instance] = {}
        self.faults: list[InstanceFault] = []
        self.events: list[Event] = []
        self.reschedules: list[tuple[Instance, list[Selection], str]] = []
        self.nodes: dict[tuple[str, str], ComputeNode] = {}
        self.services: dict[int, Service] = {}
        self.updates: list[tuple[str, dict[str, Any]]] = []
        self._ids = itertools.count(1)

    def api(self) -> ConductorAPI:
        """This fake typed as the client stub it stands for."""
        return cast(ConductorAPI, self)

    def add(self, inst: Instance) -> Instance:
        self.instances[inst.uuid] = copy(inst)
        return inst

    def get(self, uuid: str) -> Instance:
        return copy(self.instances[uuid])

    def finished(self, uuid: str) -> list[tuple[str, str | None]]:
        return [(e.event, e.result) for e in self.events if e.instance_uuid == uuid]

    # -- 1.0 ----------------------------------------------------------------------------------

    async def ping(self, ctx: RequestContext) -> str:
        return "fake-conductor"

    async def service_register(self, ctx: RequestContext, service: Service) -> Service:
        for known in self.services.values():
            if (known.host, known.binary) == (service.host, service.binary):
                return copy(known)
        stored = copy(service)
        stored.id = next(self._ids)
        self.services[stored.id] = stored
        return copy(stored)

    async def service_heartbeat(self, ctx: RequestContext, service_id: int) -> Service:
        return copy(self.services[service_id])

    async def compute_node_update(self, ctx: RequestContext, node: ComputeNode) -> ComputeNode:
        key = (node.host, node.hypervisor_hostname)
        stored = copy(node)
        known = self.nodes.get(key)
        stored.id = known.id if known else next(self._ids)
        if known:
            stored.uuid = known.uuid
        self.nodes[key] = stored
        return copy(stored)

    # -- 1.1 ----------------------------------------------------------------------------------

    async def build_instances(
        self,
        ctx: RequestContext,
        instance: Instance,
        request_spec: RequestSpec,
        alternates: list[Selection],
        reason: str,
    ) -> None:
        self.reschedules.append((copy(instance), list(alternates), reason))

    async def instance_get(self, ctx: RequestContext, instance_uuid: str) -> Instance:
        return copy(self._live(instance_uuid))

    async def instance_update(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        updates: Mapping[str, Any],
        *,
        expected_task_state: Collection[str | None] | None = None,
        expected_vm_state: Collection[str] | None = None,
    ) -> Instance:
        inst = self._live(instance_uuid)
        if expected_task_state is not None and inst.task_state not in list(expected_task_state):
            error = (
                UnexpectedDeletingTaskState
                if inst.task_state == "deleting"
                else UnexpectedTaskState
            )
            raise error(
                instance_uuid=instance_uuid,
                expected={"task_state": list(expected_task_state)},
                actual={"task_state": inst.task_state},
            )
        if expected_vm_state is not None and inst.vm_state not in list(expected_vm_state):
            raise UnexpectedVMState(expected=list(expected_vm_state), actual=inst.vm_state)
        values = from_primitive(to_primitive(dict(updates)))
        for name, value in values.items():
            setattr(inst, name, value)
        self.updates.append((instance_uuid, values))
        return copy(inst)

    async def instance_destroy(self, ctx: RequestContext, instance_uuid: str) -> Instance:
        inst = self._live(instance_uuid)
        inst.vm_state = "deleted"
        inst.task_state = None
        inst.deleted = True
        return copy(inst)

    async def instances_on_host(self, ctx: RequestContext, host: str) -> list[Instance]:
        return [copy(i) for i in self.instances.values() if i.host == host and not i.deleted]

    async def instance_fault_create(self, ctx: RequestContext, fault: InstanceFault) -> None:
        self.faults.append(copy(fault))

    async def action_event_start(
        self, ctx: RequestContext, instance_uuid: str, request_id: str, event: str, host: str
    ) -> None:
        self.events.append(Event(instance_uuid, request_id, event))

    async def action_event_finish(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        request_id: str,
        event: str,
        result: str,
        *,
        traceback: str | None = None,
        details: str | None = None,
    ) -> None:
        for e in reversed(self.events):
            if (e.instance_uuid, e.request_id, e.event, e.result) == (
                instance_uuid,
                request_id,
                event,
                None,
            ):
                e.result, e.details, e.traceback = result, details, traceback
                return
        raise AssertionError(f"event {event} of {instance_uuid} finished but never started")

    def _live(self, uuid: str) -> Instance:
        inst = self.instances.get(uuid)
        if inst is None or inst.deleted:
            raise InstanceNotFound(instance_id=uuid)
        return inst


class ConductorEndpoint:
    """:class:`FakeConductor` as the ``conductor`` topic's RPC endpoint."""

    RPC_API_VERSION = "1.1"

    def __init__(self, fake: FakeConductor) -> None:
        self.fake = fake

    @expose
    async def ping(self, ctx: RequestContext) -> str:
        return await self.fake.ping(ctx)

    @expose
    async def service_register(self, ctx: RequestContext, *, service: Service) -> Service:
        return await self.fake.service_register(ctx, service)

    @expose
    async def service_heartbeat(self, ctx: RequestContext, *, service_id: int) -> Service:
        return await self.fake.service_heartbeat(ctx, service_id)

    @expose
    async def compute_node_update(self, ctx: RequestContext, *, node: ComputeNode) -> ComputeNode:
        return await self.fake.compute_node_update(ctx, node)

    @expose
    async def build_instances(self, ctx: RequestContext, **kw: Any) -> None:
        await self.fake.build_instances(ctx, **kw)

    @expose
    async def instance_get(self, ctx: RequestContext, *, instance_uuid: str) -> Instance:
        return await self.fake.instance_get(ctx, instance_uuid)

    @expose
    async def instance_update(
        self,
        ctx: RequestContext,
        *,
        instance_uuid: str,
        updates: dict[str, Any],
        expected_task_state: list[str | None] | None,
        expected_vm_state: list[str] | None,
    ) -> Instance:
        return await self.fake.instance_update(
            ctx,
            instance_uuid,
            updates,
            expected_task_state=expected_task_state,
            expected_vm_state=expected_vm_state,
        )

    @expose
    async def instance_destroy(self, ctx: RequestContext, *, instance_uuid: str) -> Instance:
        return await self.fake.instance_destroy(ctx, instance_uuid)

    @expose
    async def instances_on_host(self, ctx: RequestContext, *, host: str) -> list[Instance]:
        return await self.fake.instances_on_host(ctx, host)

    @expose
    async def instance_fault_create(self, ctx: RequestContext, *, fault: InstanceFault) -> None:
        await self.fake.instance_fault_create(ctx, fault)

    @expose
    async def action_event_start(self, ctx: RequestContext, **kw: Any) -> None:
        await self.fake.action_event_start(ctx, **kw)

    @expose
    async def action_event_finish(self, ctx: RequestContext, **kw: Any) -> None:
        await self.fake.action_event_finish(ctx, **kw)


class FakePlacement:
    """The calls of PlacementClient the compute host makes, recorded."""

    def __init__(self) -> None:
        self.providers: dict[str, str] = {}
        self.inventories: dict[str, dict[str, Any]] = {}
        self.traits: dict[str, set[str]] = {}
        self.allocations: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self.session = self

    def client(self) -> Any:
        return self

    # session.get for the provider's traits
    async def get(self, path: str, **kw: Any) -> Any:
        rp = path.split("/")[2]
        return _Response({"traits": sorted(self.traits.get(rp, set()))})

    def forget(self, rp_uuid: str) -> None:
        self.calls.append(f"forget {rp_uuid}")

    async def ensure_provider(self, rp_uuid: str, name: str, **kw: Any) -> dict[str, Any]:
        self.calls.append(f"ensure {name}")
        self.providers.setdefault(rp_uuid, name)
        return {"uuid": rp_uuid, "name": name, "generation": 0}

    async def get_inventory(self, rp_uuid: str, **kw: Any) -> dict[str, Any]:
        return {"inventories": self.inventories.get(rp_uuid, {})}

    async def set_inventory(
        self, rp_uuid: str, inventories: Mapping[str, Any], **kw: Any
    ) -> dict[str, Any]:
        self.calls.append("set_inventory")
        self.inventories[rp_uuid] = {rc: dict(inv) for rc, inv in inventories.items()}
        return {}

    async def set_traits(self, rp_uuid: str, traits: Collection[str], **kw: Any) -> dict[str, Any]:
        self.calls.append("set_traits")
        self.traits[rp_uuid] = set(traits)
        return {}

    async def delete_allocations(self, consumer_uuid: str, **kw: Any) -> bool:
        self.calls.append(f"delete_allocations {consumer_uuid}")
        return self.allocations.pop(consumer_uuid, None) is not None


@dataclasses.dataclass
class _Response:
    body: dict[str, Any]
    status_code: int = 200

    def json(self) -> dict[str, Any]:
        return self.body

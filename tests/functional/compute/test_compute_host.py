"""Compute hosts over a real in-process bus, reporting to the real built-in placement.

The conductor is the in-memory fake of ``tests.unit.compute.fakes`` served on the
``conductor`` topic; the API side is the real :class:`ComputeAPI` client stub.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from novalite import rpc
from novalite.clients.catalog import Catalog
from novalite.clients.placement import PlacementClient
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.compute.claims import AllocationRatios, ReservedResources
from novalite.compute.host import ComputeHost, HostSettings, build_compute_host, fake_host_names
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.domain.instance import Instance
from novalite.rpc.compute import ComputeAPI
from novalite.rpc.conductor import ConductorAPI
from novalite.virt.fake.driver import FakeDriver
from tests.functional.builtin.placement.conftest import make_app, placement_database
from tests.unit.compute.fakes import (
    ConductorEndpoint,
    FakeConductor,
    flavor,
    instance,
    selection,
    spec,
)

SETTINGS = HostSettings(
    ratios=AllocationRatios(cpu=4.0, ram=1.5, disk=1.0),
    reserved=ReservedResources(cpus=2, memory_mb=1024, disk_mb=2049),
    sync_power_state_interval=-1,
)


class Tokens:
    async def get_token(self) -> str:
        return "token"

    async def get_catalog(self) -> Catalog:
        return Catalog()

    def invalidate(self, token: str) -> None:
        pass


class Cloud:
    def __init__(
        self,
        transport: rpc.Transport,
        conductor: FakeConductor,
        http: httpx.AsyncClient,
        placement: PlacementClient,
    ) -> None:
        self.transport = transport
        self.conductor = conductor
        self.http = http
        self.placement = placement
        self.compute = ComputeAPI(transport, timeout=5)
        self.hosts: list[ComputeHost] = []

    async def start_hosts(self, count: int, **driver_kw: Any) -> list[ComputeHost]:
        for name in fake_host_names("fake", count):
            host = build_compute_host(
                host=name,
                transport=self.transport,
                conductor=ConductorAPI(self.transport, timeout=5),
                placement=self.placement,
                driver=FakeDriver(vcpus=16, memory_mb=32768, local_gb=200, **driver_kw),
                settings=SETTINGS,
            )
            for component in host.components:
                await component.start()
            self.hosts.append(host)
        return self.hosts

    def rpc_ctx(self) -> RequestContext:
        return RequestContext.admin()

    async def get(self, path: str, version: str = "1.36") -> Any:
        r = await self.http.get(path, headers={"OpenStack-API-Version": f"placement {version}"})
        assert r.status_code == 200, r.text
        return r.json()

    async def claim(self, host: ComputeHost, inst: Instance) -> str:
        rp = host.tracker.nodes[host.name].uuid
        resources = {"VCPU": inst.vcpus, "MEMORY_MB": inst.memory_mb, "DISK_GB": 1}
        await self.placement.claim(inst.uuid, {rp: {"resources": resources}}, "p1", "u1")
        return rp

    async def wait_for_event(self, uuid: str, outcome: tuple[str, str]) -> None:
        for _ in range(200):
            if outcome in self.conductor.finished(uuid):
                return
            await asyncio.sleep(0.01)
        raise AssertionError(f"instance {uuid}: no {outcome} in {self.conductor.finished(uuid)}")


@pytest.fixture
async def cloud(sqlite_url: str) -> AsyncIterator[Cloud]:
    placement_db: Database = await placement_database(sqlite_url)
    transport = rpc.get_transport(f"inproc:///compute-functional-{uuid.uuid4()}")
    await transport.connect()
    fake = FakeConductor()
    conductor_server = rpc.RpcServer(transport, "conductor", "conductor", [ConductorEndpoint(fake)])
    await conductor_server.start()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app(placement_db)), base_url="http://placement"
    ) as http:
        session = ServiceSession(
            Tokens(),
            EndpointFilter("placement", endpoint_override="http://placement"),
            client=http,
        )
        env = Cloud(transport, fake, http, PlacementClient(session))
        yield env
        for host in reversed(env.hosts):
            for component in reversed(host.components):
                await component.stop(2)
    await conductor_server.stop(2)
    await transport.close()
    await placement_db.dispose()


async def test_inventory_lands_in_placement_with_ratios_and_reserved(cloud: Cloud) -> None:
    [host] = await cloud.start_hosts(1)
    node = host.tracker.nodes["fake"]
    provider = await cloud.get(f"/resource_providers/{node.uuid}", "1.14")
    assert provider["name"] == "fake"
    inventories = (await cloud.get(f"/resource_providers/{node.uuid}/inventories"))["inventories"]
    assert {
        rc: (i["total"], i["reserved"], i["allocation_ratio"], i["max_unit"])
        for rc, i in inventories.items()
    } == {
        "VCPU": (16, 2, 4.0, 16),
        "MEMORY_MB": (32768, 1024, 1.5, 32768),
        "DISK_GB": (200, 3, 1.0, 200),
    }
    traits = set((await cloud.get(f"/resource_providers/{node.uuid}/traits", "1.6"))["traits"])
    assert {"COMPUTE_NODE", "COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_VOLUME_MULTI_ATTACH"} <= traits
    assert "COMPUTE_STATUS_DISABLED" not in traits
    generation = provider["generation"]
    await host.manager._update_available_resource()
    again = await cloud.get(f"/resource_providers/{node.uuid}", "1.14")
    assert again["generation"] == generation


async def test_build_then_terminate_over_the_bus_frees_the_allocations(cloud: Cloud) -> None:
    [host] = await cloud.start_hosts(1)
    inst = cloud.conductor.add(instance(host="fake", flavor=flavor(vcpus=2, memory_mb=1024)))
    rp = await cloud.claim(host, inst)
    await cloud.compute.build_and_run_instance(
        cloud.rpc_ctx(),
        "fake",
        instance=inst,
        request_spec=spec(inst),
        selection=selection(inst, "fake"),
        alternates=[],
    )
    await cloud.wait_for_event(inst.uuid, ("compute_build_and_run_instance", "Success"))
    built = cloud.conductor.get(inst.uuid)
    assert (built.vm_state, built.task_state, built.power_state) == ("active", None, 1)
    usages = (await cloud.get(f"/resource_providers/{rp}/usages", "1.9"))["usages"]
    assert usages["VCPU"] == 2

    await cloud.compute.terminate_instance(cloud.rpc_ctx(), built)
    await cloud.wait_for_event(inst.uuid, ("compute_terminate_instance", "Success"))
    assert cloud.conductor.instances[inst.uuid].deleted
    assert (await cloud.get(f"/allocations/{inst.uuid}", "1.28"))["allocations"] == {}
    usages = (await cloud.get(f"/resource_providers/{rp}/usages", "1.9"))["usages"]
    assert usages["VCPU"] == 0
    assert host.tracker.tracked_instances == frozenset()


async def test_failed_build_reschedules_or_errors_and_frees_allocations(cloud: Cloud) -> None:
    first, second = await cloud.start_hosts(2, fail_spawn=lambda i: i.display_name == "bad")
    assert {first.name, second.name} == {"fake-1", "fake-2"}
    rescheduled = cloud.conductor.add(instance(host="fake-1", display_name="bad"))
    failed = cloud.conductor.add(instance(host="fake-1", display_name="bad"))
    for inst in (rescheduled, failed):
        await cloud.claim(first, inst)
    await cloud.compute.build_and_run_instance(
        cloud.rpc_ctx(),
        "fake-1",
        instance=rescheduled,
        request_spec=spec(rescheduled),
        selection=selection(rescheduled, "fake-1"),
        alternates=[selection(rescheduled, "fake-2")],
    )
    await cloud.compute.build_and_run_instance(
        cloud.rpc_ctx(),
        "fake-1",
        instance=failed,
        request_spec=spec(failed),
        selection=selection(failed, "fake-1"),
        alternates=[],
    )
    for inst in (rescheduled, failed):
        await cloud.wait_for_event(inst.uuid, ("compute_build_and_run_instance", "Error"))
    assert cloud.conductor.get(rescheduled.uuid).task_state == "scheduling"
    assert cloud.conductor.get(failed.uuid).vm_state == "error"
    [(sent, alternates, reason)] = cloud.conductor.reschedules
    assert sent.uuid == rescheduled.uuid and alternates[0].service_host == "fake-2"
    assert "injected failure" in reason
    [fault] = cloud.conductor.faults
    assert fault.instance_uuid == failed.uuid
    assert fault.message.startswith(f"Build of instance {failed.uuid} aborted: ")
    for inst in (rescheduled, failed):
        assert (await cloud.get(f"/allocations/{inst.uuid}", "1.28"))["allocations"] == {}

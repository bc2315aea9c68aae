"""The manager's RPC methods, its start-up, and per-instance serialisation."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any, cast

from novalite.clients.placement import PlacementClient
from novalite.compute.claims import AllocationRatios
from novalite.compute.host import HostSettings, build_compute_host, fake_host_names
from novalite.compute.locks import InstanceLocks
from novalite.compute.manager import ComputeManager
from novalite.domain.instance import Instance
from novalite.domain.states import PowerState
from novalite.rpc import get_transport
from novalite.virt.fake.driver import FakeDriver
from tests.unit.compute.fakes import ADMIN, FakeConductor, FakePlacement, instance, selection, spec


class TracingDriver(FakeDriver):
    """A fake driver that notes which guest operations overlap."""

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.trace: list[str] = []
        self.spawning = asyncio.Event()
        self.go_on: asyncio.Event | None = None
        self.busy = 0
        self.overlaps = 0

    async def _step(self, name: str) -> None:
        self.busy += 1
        self.overlaps += self.busy > 1
        self.trace.append(name)
        await asyncio.sleep(0.01)
        self.busy -= 1

    async def spawn(
        self,
        instance: Instance,
        *,
        image_meta: Mapping[str, Any] | None = None,
        network_info: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        self.spawning.set()
        if self.go_on is not None:
            await self.go_on.wait()
        await self._step("spawn")
        await super().spawn(instance)

    async def destroy(self, instance: Instance) -> None:
        await self._step("destroy")
        await super().destroy(instance)


def _host(
    driver: FakeDriver, conductor: FakeConductor, placement: FakePlacement, name: str = "h1"
) -> ComputeManager:
    settings = HostSettings(ratios=AllocationRatios(1.0, 1.0, 1.0), sync_power_state_interval=-1)
    transport = get_transport(f"inproc:///compute-manager-{id(conductor)}")
    return build_compute_host(
        host=name,
        transport=transport,
        conductor=conductor.api(),
        placement=cast(PlacementClient, placement),
        driver=driver,
        settings=settings,
    ).manager


async def test_two_builds_and_a_delete_of_one_instance_run_one_after_the_other() -> None:
    driver, conductor, placement = TracingDriver(), FakeConductor(), FakePlacement()
    manager = _host(driver, conductor, placement)
    await manager.start()
    inst = conductor.add(instance())
    placement.allocations[inst.uuid] = {}
    kw: dict[str, Any] = {
        "request_spec": spec(inst),
        "selection": selection(inst),
        "alternates": [],
    }
    deleting = Instance.from_primitive(inst.to_primitive())
    await asyncio.gather(
        manager.build_and_run_instance(ADMIN, instance=inst, **kw),
        manager.build_and_run_instance(ADMIN, instance=inst, **kw),
        manager.terminate_instance(ADMIN, instance=deleting),
    )
    assert driver.overlaps == 0
    assert driver.trace == ["spawn", "destroy"]
    assert conductor.get(inst.uuid).deleted
    assert inst.uuid not in placement.allocations
    assert manager.tracker.tracked_instances == frozenset()
    assert len(manager.deps.locks) == 0
    await manager.stop(1)


async def test_delete_while_building_wins_over_the_build() -> None:
    driver, conductor, placement = TracingDriver(), FakeConductor(), FakePlacement()
    driver.go_on = asyncio.Event()
    manager = _host(driver, conductor, placement)
    await manager.start()
    inst = conductor.add(instance())
    build = asyncio.create_task(
        manager.build_and_run_instance(
            ADMIN, instance=inst, request_spec=spec(inst), selection=selection(inst), alternates=[]
        )
    )
    await driver.spawning.wait()
    conductor.instances[inst.uuid].task_state = "deleting"  # what the API does
    terminate = asyncio.create_task(manager.terminate_instance(ADMIN, instance=inst))
    driver.go_on.set()
    await asyncio.gather(build, terminate)
    assert driver.trace == ["spawn", "destroy", "destroy"]
    assert conductor.get(inst.uuid).deleted
    assert driver.guests == {}
    assert conductor.faults == []
    await manager.stop(1)


async def test_start_registers_reports_and_reconciles() -> None:
    driver, conductor, placement = FakeDriver(), FakeConductor(), FakePlacement()
    stray = instance()
    await driver.spawn(stray)
    stopped = conductor.add(instance(vm_state="active", task_state="powering-off"))
    await driver.spawn(stopped)
    manager = _host(driver, conductor, placement)
    await manager.start()
    assert [s.host for s in conductor.services.values()] == ["h1"]
    assert [s.topic for s in conductor.services.values()] == ["compute"]
    assert list(placement.providers.values()) == ["h1"]
    assert set(driver.guests) == {stopped.uuid}
    assert driver.guests[stopped.uuid].power_state == PowerState.SHUTDOWN
    assert conductor.get(stopped.uuid).vm_state == "stopped"
    await manager.stop(1)


async def test_fake_hosts_are_separate_hosts_in_one_process() -> None:
    conductor, placement = FakeConductor(), FakePlacement()
    names = fake_host_names("sim", 3)
    assert names == ["sim-1", "sim-2", "sim-3"]
    assert fake_host_names("sim", 1) == ["sim"]
    managers = [_host(FakeDriver(vcpus=8), conductor, placement, name) for name in names]
    for manager in managers:
        await manager.start()
    assert sorted(placement.providers.values()) == names
    assert sorted(host for host, _ in conductor.nodes) == names
    inst = conductor.add(instance(host="sim-2", node="sim-2"))
    await managers[1].build_and_run_instance(
        ADMIN,
        instance=inst,
        request_spec=spec(inst),
        selection=selection(inst, "sim-2"),
        alternates=[],
    )
    assert [len(cast(FakeDriver, m.driver).guests) for m in managers] == [0, 1, 0]
    for manager in managers:
        await manager.stop(1)


async def test_locks_are_freed_and_serialise() -> None:
    locks = InstanceLocks()
    order: list[str] = []

    async def hold(name: str) -> None:
        async with locks.hold("u"):
            order.append(f"{name}+")
            await asyncio.sleep(0.005)
            order.append(f"{name}-")

    await asyncio.gather(hold("a"), hold("b"), hold("c"))
    assert order == ["a+", "a-", "b+", "b-", "c+", "c-"]
    assert len(locks) == 0
    assert not locks.locked("u")


async def test_periodic_intervals_follow_nova_options() -> None:
    conductor = FakeConductor()

    def names(update: float, sync: float) -> list[tuple[str, float]]:
        host = build_compute_host(
            host="h1",
            transport=get_transport("inproc:///compute-periodics"),
            conductor=conductor.api(),
            placement=None,
            driver=FakeDriver(),
            settings=HostSettings(
                ratios=AllocationRatios(1.0, 1.0, 1.0),
                update_resources_interval=update,
                sync_power_state_interval=sync,
            ),
        )
        return [(p.name, p._interval) for p in host.manager._periodics]

    assert names(-1, 0) == [("sync_power_states:h1", 60.0)]
    assert names(30, -1) == [("update_available_resource:h1", 30.0)]

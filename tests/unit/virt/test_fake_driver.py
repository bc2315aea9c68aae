"""The fake driver's guests: life cycle, failure injection, separate hypervisors."""

from __future__ import annotations

import pytest

from novalite.domain.flavor import Flavor
from novalite.domain.instance import Instance
from novalite.domain.states import PowerState
from novalite.errors import InstanceNotFound, InstanceSpawnFailed
from novalite.virt.driver import REBOOT_SOFT, InstanceInfo
from novalite.virt.fake.driver import FakeDriver


def _instance() -> Instance:
    flavor = Flavor(flavorid="1", name="f", vcpus=2, memory_mb=256, root_gb=1, swap=100)
    return Instance(flavor=flavor)


async def test_guest_life_cycle() -> None:
    driver = FakeDriver(vcpus=8, memory_mb=1024, local_gb=10)
    await driver.init_host("h")
    inst = _instance()
    await driver.spawn(inst)
    assert await driver.list_instance_uuids() == [inst.uuid]
    assert await driver.get_info(inst) == InstanceInfo(PowerState.RUNNING)
    res = await driver.get_available_resource("h")
    assert (res.vcpus_used, res.memory_mb_used, res.local_gb_used) == (2, 256, 2)
    await driver.power_off(inst)
    assert (await driver.get_info(inst)).power_state == PowerState.SHUTDOWN
    await driver.power_on(inst)
    await driver.reboot(inst, REBOOT_SOFT)
    assert driver.guests[inst.uuid].reboots == 1
    with pytest.raises(InstanceSpawnFailed, match="already exists"):
        await driver.spawn(inst)
    await driver.destroy(inst)
    await driver.destroy(inst)
    with pytest.raises(InstanceNotFound):
        await driver.get_info(inst)
    with pytest.raises(InstanceNotFound):
        await driver.power_on(inst)


async def test_injected_spawn_failures_pick_instances() -> None:
    bad = _instance()
    driver = FakeDriver(fail_spawn=lambda i: i.uuid == bad.uuid)
    await driver.init_host("h")
    with pytest.raises(InstanceSpawnFailed, match="injected failure"):
        await driver.spawn(bad)
    await driver.spawn(_instance())
    assert len(driver.guests) == 1


async def test_each_driver_is_its_own_hypervisor() -> None:
    one, two = FakeDriver(), FakeDriver()
    await one.init_host("a")
    await two.init_host("b")
    await one.spawn(_instance())
    assert await two.list_instance_uuids() == []
    assert await two.get_available_nodes() == ["b"]

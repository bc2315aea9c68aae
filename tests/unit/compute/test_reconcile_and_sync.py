"""init_host reconciliation and the power-state sync."""

from __future__ import annotations

from typing import Any

from novalite.compute import power_sync, reconcile
from novalite.domain.instance import Instance
from novalite.domain.states import PowerState
from tests.unit.compute.conftest import Host
from tests.unit.compute.fakes import ADMIN, instance


async def _with_guest(host: Host, **kw: object) -> Instance:
    values: dict[str, Any] = {"vm_state": "active", "task_state": None, "power_state": 1}
    inst = instance(**{**values, **kw})
    await host.driver.spawn(inst)
    return host.conductor.add(inst)


async def test_init_host_settles_each_kind_of_leftover(host: Host) -> None:
    deleting = await _with_guest(host, task_state="deleting")
    building = await _with_guest(host, vm_state="building", task_state="spawning")
    powering_off = await _with_guest(host, task_state="powering-off")
    powering_on = await _with_guest(host, vm_state="stopped", task_state="powering-on")
    host.driver.set_power_state(powering_on.uuid, PowerState.SHUTDOWN)
    pending = await _with_guest(host, task_state="reboot_pending")
    started = await _with_guest(host, task_state="reboot_started")
    quiet = await _with_guest(host)
    elsewhere = instance(host="other")
    await host.driver.spawn(elsewhere)
    for inst in (deleting, building):
        host.placement.allocations[inst.uuid] = {}

    remaining = await reconcile.init_host(host.deps, ADMIN)

    get = host.conductor.get
    assert get(deleting.uuid).deleted
    assert deleting.uuid not in host.placement.allocations
    assert (get(building.uuid).vm_state, get(building.uuid).task_state) == ("error", None)
    assert building.uuid not in host.placement.allocations
    [fault] = host.conductor.faults
    assert fault.instance_uuid == building.uuid
    assert fault.message == "Instance was left in BUILD when the compute service on h1 restarted"
    assert (get(powering_off.uuid).vm_state, get(powering_off.uuid).task_state) == (
        "stopped",
        None,
    )
    assert (get(powering_on.uuid).vm_state, get(powering_on.uuid).power_state) == ("active", 1)
    assert host.driver.guests[pending.uuid].reboots == 1
    assert (get(pending.uuid).vm_state, get(pending.uuid).task_state) == ("active", None)
    assert (get(started.uuid).vm_state, get(started.uuid).task_state) == ("active", None)
    assert host.driver.guests[started.uuid].reboots == 0
    assert get(quiet.uuid).task_state is None
    assert set(host.driver.guests) == {
        powering_off.uuid,
        powering_on.uuid,
        pending.uuid,
        started.uuid,
        quiet.uuid,
    }
    assert deleting.uuid not in {i.uuid for i in remaining}
    assert host.tracker.tracked_instances == {i.uuid for i in remaining} - {building.uuid}
    assert host.conductor.events == []


async def test_interrupted_reboot_of_a_stopped_guest_is_redone_hard(host: Host) -> None:
    inst = await _with_guest(host, task_state="reboot_started")
    host.driver.set_power_state(inst.uuid, PowerState.SHUTDOWN)
    await reconcile.init_host(host.deps, ADMIN)
    stored = host.conductor.get(inst.uuid)
    assert (stored.vm_state, stored.task_state, stored.power_state) == ("active", None, 1)
    assert host.driver.guests[inst.uuid].reboots == 1


async def test_sync_marks_an_active_instance_with_a_shut_down_guest_stopped(host: Host) -> None:
    off = await _with_guest(host)
    busy = await _with_guest(host, task_state="powering-off")
    fine = await _with_guest(host)
    host.driver.set_power_state(off.uuid, PowerState.SHUTDOWN)
    host.driver.set_power_state(busy.uuid, PowerState.SHUTDOWN)
    assert await power_sync.sync_power_states(host.deps, ADMIN) == 1
    assert (host.conductor.get(off.uuid).vm_state, host.conductor.get(off.uuid).power_state) == (
        "stopped",
        PowerState.SHUTDOWN,
    )
    assert host.conductor.get(busy.uuid).vm_state == "active"
    assert host.conductor.get(fine.uuid).vm_state == "active"
    assert await power_sync.sync_power_states(host.deps, ADMIN) == 0


async def test_sync_powers_off_a_running_guest_of_a_stopped_instance(host: Host) -> None:
    inst = await _with_guest(host, vm_state="stopped", power_state=4)
    assert await power_sync.sync_power_states(host.deps, ADMIN) == 1
    assert host.driver.guests[inst.uuid].power_state == PowerState.SHUTDOWN
    assert host.conductor.get(inst.uuid).power_state == PowerState.SHUTDOWN


async def test_sync_records_a_missing_guest_as_nostate(host: Host) -> None:
    inst = host.conductor.add(instance(vm_state="error", task_state=None, power_state=1))
    assert await power_sync.sync_power_states(host.deps, ADMIN) == 1
    assert host.conductor.get(inst.uuid).power_state == PowerState.NOSTATE

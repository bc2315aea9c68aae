"""Stop, start, reboot and terminate on one host."""

from __future__ import annotations

from typing import Any

import pytest

from novalite.compute import operations
from novalite.domain.instance import Instance
from novalite.domain.states import PowerState
from novalite.errors import InstanceRebootFailure
from tests.unit.compute.conftest import Host
from tests.unit.compute.fakes import ADMIN, instance


async def _active(host: Host, **kw: object) -> Instance:
    values: dict[str, Any] = {"vm_state": "active", "task_state": None, "power_state": 1}
    inst = instance(**{**values, **kw})
    await host.driver.spawn(inst)
    host.tracker.track_instances([inst])
    return host.conductor.add(inst)


async def _run(
    host: Host, inst: Instance, event: str, body: operations.Body, **kw: object
) -> Instance:
    await operations.run(host.deps, ADMIN, inst, event, body, **kw)  # type: ignore[arg-type]
    return host.conductor.get(inst.uuid)


async def test_stop_then_start(host: Host) -> None:
    inst = await _active(host, task_state="powering-off")
    stored = await _run(host, inst, operations.EVENT_STOP, operations.stop)
    assert (stored.vm_state, stored.task_state, stored.power_state) == ("stopped", None, 4)
    assert host.driver.guests[inst.uuid].power_state == PowerState.SHUTDOWN
    host.conductor.instances[inst.uuid].task_state = "powering-on"
    stored = await _run(host, stored, operations.EVENT_START, operations.start)
    assert (stored.vm_state, stored.task_state, stored.power_state) == ("active", None, 1)
    assert host.conductor.finished(inst.uuid) == [
        ("compute_stop_instance", "Success"),
        ("compute_start_instance", "Success"),
    ]


async def test_stop_of_an_instance_no_longer_powering_off_changes_nothing(host: Host) -> None:
    inst = await _active(host)
    stored = await _run(host, inst, operations.EVENT_STOP, operations.stop)
    assert stored.vm_state == "active"
    assert host.conductor.faults == []


async def test_start_without_a_guest_records_a_fault_and_clears_the_task(host: Host) -> None:
    inst = host.conductor.add(instance(vm_state="stopped", task_state="powering-on"))
    stored = await _run(host, inst, operations.EVENT_START, operations.start)
    assert (stored.vm_state, stored.task_state) == ("stopped", None)
    [fault] = host.conductor.faults
    assert fault.message == "Failed to power on instance: the guest does not exist on this host"
    assert host.conductor.finished(inst.uuid) == [("compute_start_instance", "Error")]


@pytest.mark.parametrize(
    ("reboot_type", "first", "pending", "started"),
    [
        ("SOFT", "rebooting", "reboot_pending", "reboot_started"),
        ("HARD", "rebooting_hard", "reboot_pending_hard", "reboot_started_hard"),
    ],
)
async def test_reboot_walks_the_reboot_states(
    host: Host, reboot_type: str, first: str, pending: str, started: str
) -> None:
    inst = await _active(host, task_state=first)
    stored = await _run(host, inst, operations.EVENT_REBOOT, operations.reboot(reboot_type))
    assert [u.get("task_state") for _, u in host.conductor.updates] == [pending, started, None]
    assert (stored.vm_state, stored.task_state, stored.power_state) == ("active", None, 1)
    assert host.driver.guests[inst.uuid].reboots == 1


async def test_hard_reboot_starts_a_stopped_guest(host: Host) -> None:
    inst = await _active(host, task_state="rebooting_hard", vm_state="stopped")
    host.driver.set_power_state(inst.uuid, PowerState.SHUTDOWN)
    stored = await _run(host, inst, operations.EVENT_REBOOT, operations.reboot("HARD"))
    assert (stored.vm_state, stored.power_state) == ("active", PowerState.RUNNING)


async def test_failed_reboot_of_a_running_guest_keeps_it_active(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = await _active(host, task_state="rebooting")

    async def broken(instance: Instance, reboot_type: str) -> None:
        raise InstanceRebootFailure(reason="guest agent not answering")

    monkeypatch.setattr(host.driver, "reboot", broken)
    stored = await _run(
        host,
        inst,
        operations.EVENT_REBOOT,
        operations.reboot("SOFT"),
        on_error=operations.ERROR_STATE,
    )
    assert (stored.vm_state, stored.task_state) == ("active", None)
    assert host.conductor.faults[0].message.endswith("guest agent not answering")


async def test_failed_reboot_of_a_stopped_guest_is_an_error(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    inst = await _active(host, task_state="rebooting_hard")
    host.driver.set_power_state(inst.uuid, PowerState.SHUTDOWN)

    async def broken(instance: Instance, reboot_type: str) -> None:
        raise InstanceRebootFailure(reason="no")

    monkeypatch.setattr(host.driver, "reboot", broken)
    stored = await _run(
        host,
        inst,
        operations.EVENT_REBOOT,
        operations.reboot("HARD"),
        on_error=operations.ERROR_STATE,
    )
    assert (stored.vm_state, stored.task_state) == ("error", None)
    assert host.conductor.finished(inst.uuid) == [("compute_reboot_instance", "Error")]


async def test_terminate_frees_everything_and_is_idempotent(host: Host) -> None:
    inst = await _active(host, task_state="deleting")
    host.placement.allocations[inst.uuid] = {}
    stored = await _run(host, inst, operations.EVENT_TERMINATE, operations.terminate)
    assert stored.deleted and stored.vm_state == "deleted"
    assert host.driver.guests == {}
    assert inst.uuid not in host.placement.allocations
    assert host.tracker.tracked_instances == frozenset()
    await _run(host, inst, operations.EVENT_TERMINATE, operations.terminate)
    assert host.conductor.faults == []
    assert host.conductor.finished(inst.uuid) == [
        ("compute_terminate_instance", "Success"),
        ("compute_terminate_instance", "Success"),
    ]

"""build_and_run_instance: states, claims, reschedules and failures."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from novalite.compute import build
from novalite.domain.instance import Instance
from novalite.domain.selection import Selection
from novalite.domain.states import PowerState
from tests.unit.compute.conftest import Host
from tests.unit.compute.fakes import ADMIN, flavor, instance, selection, spec


async def _build(host: Host, inst: Instance, alternates: list[Selection] | None = None) -> None:
    await build.build_and_run_instance(
        host.deps,
        ADMIN,
        inst,
        request_spec=spec(inst),
        selection=selection(inst),
        alternates=alternates or [],
    )


async def test_build_goes_networking_spawning_active(host: Host) -> None:
    inst = host.conductor.add(instance())
    host.placement.allocations[inst.uuid] = {}
    await _build(host, inst)
    stored = host.conductor.get(inst.uuid)
    assert (stored.vm_state, stored.task_state) == ("active", None)
    assert stored.power_state == PowerState.RUNNING
    assert stored.launched_at is not None
    assert [u.get("task_state") for _, u in host.conductor.updates] == [
        "networking",
        "spawning",
        None,
    ]
    assert host.driver.guests[inst.uuid].power_state == PowerState.RUNNING
    assert inst.uuid in host.tracker.tracked_instances
    assert host.conductor.finished(inst.uuid) == [("compute_build_and_run_instance", "Success")]
    assert host.conductor.events[0].request_id == ADMIN.request_id
    assert inst.uuid in host.placement.allocations


async def test_claim_refused_reschedules_to_alternates(host: Host) -> None:
    inst = host.conductor.add(instance(flavor=flavor(vcpus=9)))  # 4 vcpus x ratio 2 = 8
    host.placement.allocations[inst.uuid] = {}
    alternate = selection(inst, "h2")
    await _build(host, inst, [alternate])
    stored = host.conductor.get(inst.uuid)
    assert (stored.vm_state, stored.task_state) == ("building", "scheduling")
    assert (stored.host, stored.node) == (None, None)
    [(sent, alternates, reason)] = host.conductor.reschedules
    assert sent.uuid == inst.uuid
    assert [a.service_host for a in alternates] == ["h2"]
    assert reason == "Insufficient compute resources: Free VCPU 8 < requested 9."
    assert inst.uuid not in host.placement.allocations
    assert inst.uuid not in host.tracker.tracked_instances
    [event] = host.conductor.events
    assert (event.result, event.details) == ("Error", reason)
    assert host.conductor.faults == []


async def test_spawn_failure_without_alternates_ends_in_error(host: Host) -> None:
    host.driver.fail_spawn = lambda i: True
    inst = host.conductor.add(instance())
    host.placement.allocations[inst.uuid] = {}
    await _build(host, inst)
    stored = host.conductor.get(inst.uuid)
    assert (stored.vm_state, stored.task_state, stored.host) == ("error", None, None)
    [fault] = host.conductor.faults
    assert fault.code == 500
    assert fault.message == (
        f"Build of instance {inst.uuid} aborted: "
        f"Failed to spawn instance {inst.uuid}: injected failure"
    )
    assert inst.uuid not in host.placement.allocations
    assert inst.uuid not in host.driver.guests
    assert host.tracker.tracked_instances == frozenset()
    assert host.conductor.reschedules == []
    [event] = host.conductor.events
    assert event.result == "Error"
    assert "Traceback" not in (event.details or "")


async def test_instance_deleted_before_build_is_cleaned_up_quietly(host: Host) -> None:
    inst = host.conductor.add(instance(task_state="deleting"))
    host.placement.allocations[inst.uuid] = {}
    await _build(host, inst)
    assert host.conductor.get(inst.uuid).task_state == "deleting"
    assert inst.uuid not in host.placement.allocations
    assert host.driver.guests == {}
    assert host.conductor.faults == []
    assert host.conductor.finished(inst.uuid) == [("compute_build_and_run_instance", "Success")]


async def test_instance_deleted_during_spawn_destroys_the_guest(
    host: Host, monkeypatch: pytest.MonkeyPatch
) -> None:
    spawning, go_on = asyncio.Event(), asyncio.Event()
    spawn = host.driver.spawn

    async def slow_spawn(inst: Instance, **kw: Any) -> None:
        spawning.set()
        await go_on.wait()
        await spawn(inst, **kw)

    monkeypatch.setattr(host.driver, "spawn", slow_spawn)
    inst = host.conductor.add(instance())
    host.placement.allocations[inst.uuid] = {}
    task = asyncio.create_task(_build(host, inst))
    await spawning.wait()
    assert host.conductor.get(inst.uuid).task_state == "spawning"
    host.conductor.instances[inst.uuid].task_state = "deleting"
    go_on.set()
    await task
    assert host.driver.guests == {}
    assert inst.uuid not in host.placement.allocations
    assert host.tracker.tracked_instances == frozenset()
    assert host.conductor.get(inst.uuid).vm_state == "building"
    assert host.conductor.faults == []


async def test_second_delivery_of_a_build_is_ignored(host: Host) -> None:
    inst = host.conductor.add(instance())
    await _build(host, inst)
    updates = len(host.conductor.updates)
    await _build(host, inst)
    assert len(host.conductor.updates) == updates
    assert host.conductor.get(inst.uuid).vm_state == "active"
    assert len(host.driver.guests) == 1


async def test_claims_count_until_the_host_is_full(host: Host) -> None:
    first = host.conductor.add(instance(flavor=flavor(vcpus=1, memory_mb=3000)))
    second = host.conductor.add(instance(flavor=flavor(vcpus=1, memory_mb=3000)))
    await _build(host, first)
    await _build(host, second)
    assert host.conductor.get(first.uuid).vm_state == "active"
    assert host.conductor.get(second.uuid).vm_state == "error"
    assert "Free MEMORY_MB 1096 < requested 3000" in host.conductor.faults[0].message

"""The conductor's build flow over the bus, with real databases and the built-in placement."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from novalite.conductor.bury import CellZeroBurial
from novalite.conductor.watchdog import Watchdog
from novalite.domain.instance import Instance, InstanceFault
from novalite.domain.server_group import ServerGroup
from novalite.errors import (
    BuildRequestNotFound,
    InstanceNotFound,
    NoValidHost,
    UnexpectedTaskState,
)
from tests.functional.conductor.conftest import DEADLINES, Cloud, eventually

pytestmark = pytest.mark.timeout(60)


async def test_success_creates_the_instance_in_cell1_and_casts_the_build(cloud: Cloud) -> None:
    spec, (uuid,) = await cloud.request()
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [uuid])

    build = await cloud.next_build()
    assert build["host"] == "host1"
    assert [a.service_host for a in build["alternates"]] == ["host2", "host3"]
    assert build["selection"].service_host == "host1"
    assert build["request_id"] == cloud.ctx.request_id
    assert build["instance"].uuid == uuid

    stored = await cloud.instances(cloud.cell1).get(uuid)
    assert (stored.host, stored.node, stored.vm_state, stored.task_state) == (
        "host1",
        "host1",
        "building",
        "scheduling",
    )
    assert stored.display_name == "vm0"
    assert (await cloud.mappings.get(uuid)).cell_uuid == cloud.cell1.uuid
    with pytest.raises(BuildRequestNotFound):
        await cloud.build_requests.get(uuid)
    action = await cloud.actions(cloud.cell1).get(uuid, cloud.ctx.request_id)
    assert action.action == "create"
    assert [(e.event, e.result) for e in action.events] == [
        ("conductor_schedule_and_build_instances", "Success")
    ]
    assert list(await cloud.allocations(uuid)) == [cloud.providers["host1"]]


async def test_no_valid_host_buries_the_instance_in_cell0(cloud: Cloud) -> None:
    spec, uuids = await cloud.request(2)
    cloud.scheduler.error = NoValidHost(
        reason="There are not enough hosts available.",
        details="ComputeFilter removed 3 of 3 hosts; placement returned 3 candidates",
    )
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, uuids)

    cell0 = cloud.instances(cloud.cell0)

    async def buried() -> bool:
        mappings = await cloud.mappings.get_many(uuids)
        return all(m.cell_uuid == cloud.cell0.uuid for m in mappings.values())

    await eventually(buried)
    for uuid in uuids:
        stored = await cell0.get(uuid, with_fault=True)
        assert (stored.vm_state, stored.task_state, stored.host) == ("error", None, None)
        assert stored.fault is not None
        assert stored.fault.code == 500
        assert stored.fault.message == (
            "No valid host was found. There are not enough hosts available."
        )
        assert stored.fault.details == (
            "ComputeFilter removed 3 of 3 hosts; placement returned 3 candidates"
        )
        action = await cloud.actions(cloud.cell0).get(uuid, cloud.ctx.request_id)
        assert action.message == "Error"
        assert [(e.event, e.result) for e in action.events] == [
            ("conductor_schedule_and_build_instances", "Error")
        ]
        with pytest.raises(BuildRequestNotFound):
            await cloud.build_requests.get(uuid)
        assert await cloud.allocations(uuid) == {}
    assert cloud.builds.empty()


async def test_build_request_deleted_while_scheduling(cloud: Cloud) -> None:
    spec, (uuid,) = await cloud.request()
    claimed: list[bool] = []

    async def user_deletes(uuids: list[str]) -> None:
        claimed.append(bool(await cloud.allocations(uuid)))
        assert await cloud.build_requests.delete(uuids[0])

    cloud.scheduler.before_answer = user_deletes
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [uuid])

    async def released() -> bool:
        return bool(claimed) and await cloud.allocations(uuid) == {}

    await eventually(released)
    assert claimed == [True]
    with pytest.raises(InstanceNotFound):
        await cloud.instances(cloud.cell1).get(uuid, read_deleted=True)
    assert (await cloud.mappings.get(uuid)).cell_uuid is None
    await asyncio.sleep(0.1)
    assert cloud.builds.empty()


async def test_reschedule_to_an_alternate_then_exhaustion(cloud: Cloud) -> None:
    spec, (uuid,) = await cloud.request()
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [uuid])
    first = await cloud.next_build()

    await cloud.conductor_api.build_instances(
        cloud.ctx, first["instance"], spec, first["alternates"], "spawn failed on host1"
    )
    second = await cloud.next_build()
    assert second["host"] == "host2"
    assert [a.service_host for a in second["alternates"]] == ["host3"]
    stored = await cloud.instances(cloud.cell1).get(uuid)
    assert (stored.host, stored.node, stored.task_state) == ("host2", "host2", "scheduling")
    assert list(await cloud.allocations(uuid)) == [cloud.providers["host2"]]

    # host3 is full by now: its claim fails and no alternate is left.
    await cloud.placement.set_inventory(
        cloud.providers["host3"], {"VCPU": {"total": 1, "reserved": 1}}
    )
    await cloud.conductor_api.build_instances(
        cloud.ctx, second["instance"], spec, second["alternates"], "spawn failed on host2"
    )

    async def errored() -> Instance | None:
        current = await cloud.instances(cloud.cell1).get(uuid, with_fault=True)
        return current if current.vm_state == "error" and current.fault else None

    failed = await eventually(errored)
    assert failed.task_state is None
    assert failed.fault.message == (
        "Exceeded maximum number of retries. Exhausted all hosts available for retrying "
        f"build failures for instance {uuid}."
    )
    assert failed.fault.details == "spawn failed on host2"
    assert await cloud.allocations(uuid) == {}
    assert cloud.builds.empty()


async def test_object_service_for_compute_hosts(cloud: Cloud) -> None:
    spec, (uuid,) = await cloud.request()
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [uuid])
    build = await cloud.next_build()
    api, ctx = cloud.conductor_api, cloud.ctx

    assert await api.ping(ctx) == "conductor1"
    assert (await api.instance_get(ctx, uuid)).host == "host1"
    updated = await api.instance_update(
        ctx, uuid, {"task_state": "spawning"}, expected_task_state=["scheduling"]
    )
    assert updated.task_state == "spawning"
    with pytest.raises(UnexpectedTaskState):
        await api.instance_update(
            ctx, uuid, {"task_state": "networking"}, expected_task_state=["scheduling"]
        )
    assert [i.uuid for i in await api.instances_on_host(ctx, "host1")] == [uuid]
    assert await api.instances_on_host(ctx, "host2") == []

    await api.action_event_start(
        ctx, uuid, build["request_id"], "compute_build_and_run_instance", "host1"
    )
    await api.action_event_finish(
        ctx, uuid, build["request_id"], "compute_build_and_run_instance", "Error", details="boom"
    )
    action = await cloud.actions(cloud.cell1).get(uuid, build["request_id"])
    assert action.message == "Error"
    events = {e.event: e for e in action.events}
    assert events["compute_build_and_run_instance"].result == "Error"
    assert events["compute_build_and_run_instance"].host == "host1"

    await api.instance_fault_create(
        ctx, InstanceFault(instance_uuid=uuid, code=500, message="spawn failed", host="host1")
    )
    assert (await api.instance_get(ctx, uuid)).vm_state == "building"
    fault = (await cloud.instances(cloud.cell1).get(uuid, with_fault=True)).fault
    assert fault is not None
    assert (fault.message, fault.host) == ("spawn failed", "host1")
    destroyed = await api.instance_destroy(ctx, uuid)
    assert destroyed.vm_state == "deleted"
    with pytest.raises(InstanceNotFound):
        await api.instance_get(ctx, uuid)


async def test_watchdog_ends_stuck_tasks_and_buries_stale_build_requests(cloud: Cloud) -> None:
    cell1 = cloud.instances(cloud.cell1)
    spec, (building, deleting) = await cloud.request(2)
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [building, deleting])
    await cloud.next_build()
    await cloud.next_build()
    await cell1.update(building, {"task_state": "spawning"})
    await cell1.update(deleting, {"task_state": "deleting"})
    _, (stale,) = await cloud.request()
    await cloud.placement.claim(
        stale, cloud.scheduler.selection(stale, "host3").allocation_request, "proj", "alice"
    )

    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=30)
    watchdog = Watchdog(
        cells=cloud.cells,
        build_requests=cloud.build_requests,
        instance_mappings=cloud.mappings,
        placement=cloud.placement,
        burial=CellZeroBurial(cloud.cells, cloud.build_requests, host="c1"),
        deadlines=DEADLINES,
        build_deadline=10,
        clock=lambda: later,
    )
    await watchdog.run_once()

    stuck = await cell1.get(building, with_fault=True)
    assert (stuck.vm_state, stuck.task_state) == ("error", None)
    assert stuck.fault is not None
    assert stuck.fault.message == "Task spawning did not finish within 1 s"
    assert list(await cloud.allocations(building)) == [cloud.providers["host1"]]

    gone = await cell1.get(deleting, read_deleted=True)
    assert gone.vm_state == "deleted"
    assert await cloud.allocations(deleting) == {}
    with pytest.raises(InstanceNotFound):
        await cell1.get(deleting)

    buried = await cloud.instances(cloud.cell0).get(stale, with_fault=True)
    assert buried.vm_state == "error"
    assert buried.fault is not None
    assert buried.fault.message == f"Build of instance {stale} was not scheduled within 10 s"
    assert (await cloud.mappings.get(stale)).cell_uuid == cloud.cell0.uuid
    assert await cloud.allocations(stale) == {}

    # A second run finds nothing more to do.
    await watchdog.run_once()
    assert len(await cloud.actions(cloud.cell0).list(stale)) == 1


async def test_server_group_hosts_are_filled_and_membership_recorded(cloud: Cloud) -> None:
    spec, (first,) = await cloud.request()
    cloud.scheduler.plan = ["host3", "host1"]
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [first])
    await cloud.next_build()
    group = await cloud.groups.create(
        ServerGroup(name="web", project_id="proj", user_id="alice", policy="anti-affinity")
    )
    await cloud.groups.add_members(group.uuid, [first])

    spec, (second,) = await cloud.request()
    spec.instance_group = ServerGroup(uuid=group.uuid, policy="anti-affinity")
    cloud.scheduler.plan = ["host2"]
    await cloud.conductor_api.schedule_and_build_instances(cloud.ctx, spec, [second])
    build = await cloud.next_build()

    seen = cloud.scheduler.specs[-1].instance_group
    assert seen is not None
    assert (seen.members, seen.hosts) == ([first], ["host3"])
    assert sorted((await cloud.groups.get(group.uuid)).members) == sorted([first, second])
    assert build["request_spec"].instance_group.members == [first, second]

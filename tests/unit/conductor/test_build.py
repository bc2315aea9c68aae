"""schedule_and_build_instances against fakes: every branch of the flow."""

from __future__ import annotations

from novalite.domain.instance import InstanceMapping
from novalite.domain.server_group import ServerGroup
from novalite.errors import MessagingTimeout, NoValidHost
from tests.unit.conductor.conftest import Rig


async def test_success_creates_in_cell_maps_and_casts(rig: Rig) -> None:
    spec, uuids = rig.request(2)
    rig.scheduler.selections = [
        [rig.selection(uuids[0], "host1"), rig.selection(uuids[0], "host2")],
        [rig.selection(uuids[1], "host2"), rig.selection(uuids[1], "host3")],
    ]
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    cell1 = rig.cells.stores[rig.cells.one.uuid]
    first = cell1.rows[uuids[0]]
    assert (first.host, first.node, first.vm_state, first.task_state) == (
        "host1",
        "host1",
        "building",
        "scheduling",
    )
    assert first.tags == ["t"]
    assert not rig.build_requests.rows
    assert {m.cell_uuid for m in rig.mappings.rows.values()} == {rig.cells.one.uuid}
    action = rig.cells.action_stores[rig.cells.one.uuid].find(uuids[0], rig.ctx.request_id)
    assert action.action == "create"
    assert [(e.event, e.result, e.host) for e in action.events] == [
        ("conductor_schedule_and_build_instances", "Success", "conductor1")
    ]
    assert [(b["host"], [a.service_host for a in b["alternates"]]) for b in rig.compute.builds] == [
        ("host1", ["host2"]),
        ("host2", ["host3"]),
    ]
    assert rig.compute.builds[0]["instance"].cell_uuid == rig.cells.one.uuid


async def test_no_valid_host_buries_every_instance_in_cell0(rig: Rig) -> None:
    spec, uuids = rig.request(2)
    rig.scheduler.error = NoValidHost(
        reason="There are not enough hosts available.", details="ComputeFilter: 3 -> 0"
    )
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    cell0 = rig.cells.stores[rig.cells.zero.uuid]
    assert {u: (i.vm_state, i.task_state) for u, i in cell0.rows.items()} == {
        u: ("error", None) for u in uuids
    }
    assert [(f.code, f.message, f.details) for f in cell0.faults] == [
        (
            500,
            "No valid host was found. There are not enough hosts available.",
            "ComputeFilter: 3 -> 0",
        )
    ] * 2
    action = rig.cells.action_stores[rig.cells.zero.uuid].find(uuids[1], rig.ctx.request_id)
    assert action.message == "Error"
    assert action.events[0].result == "Error"
    assert {m.cell_uuid for m in rig.mappings.rows.values()} == {rig.cells.zero.uuid}
    assert not rig.build_requests.rows
    assert not rig.compute.builds


async def test_scheduler_timeout_buries_too_and_skips_deleted_build_requests(rig: Rig) -> None:
    spec, uuids = rig.request(2)
    del rig.build_requests.rows[uuids[1]]
    rig.scheduler.error = MessagingTimeout(topic="scheduler", timeout=60)
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    cell0 = rig.cells.stores[rig.cells.zero.uuid]
    assert list(cell0.rows) == [uuids[0]]
    assert cell0.faults[0].message == MessagingTimeout(topic="scheduler", timeout=60).message


async def test_build_request_deleted_while_scheduling_drops_the_claim(rig: Rig) -> None:
    spec, uuids = rig.request()
    rig.scheduler.selections = [[rig.selection(uuids[0], "host1")]]
    original = rig.scheduler.select_destinations

    async def delete_then_answer(*args: object, **kwargs: object) -> object:
        result = await original(*args, **kwargs)  # type: ignore[arg-type]
        del rig.build_requests.rows[uuids[0]]
        return result

    rig.scheduler.select_destinations = delete_then_answer  # type: ignore[method-assign,assignment]
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    assert uuids[0] not in rig.placement.allocations
    assert not rig.cells.stores[rig.cells.one.uuid].rows
    assert not rig.compute.builds


async def test_build_request_deleted_after_creation_destroys_the_instance(rig: Rig) -> None:
    spec, uuids = rig.request()
    rig.scheduler.selections = [[rig.selection(uuids[0], "host1")]]

    async def already_gone(instance_uuid: str) -> bool:
        rig.build_requests.rows.pop(instance_uuid, None)
        return False

    rig.build_requests.delete = already_gone  # type: ignore[method-assign]
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    assert rig.cells.stores[rig.cells.one.uuid].rows[uuids[0]].deleted
    assert uuids[0] not in rig.placement.allocations
    assert not rig.compute.builds


async def test_unmapped_host_buries_with_the_reason(rig: Rig) -> None:
    spec, uuids = rig.request()
    rig.scheduler.selections = [[rig.selection(uuids[0], "ghost", cell_uuid=None)]]
    rig.placement.allocations[uuids[0]] = {}
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    fault = rig.cells.stores[rig.cells.zero.uuid].faults[0]
    assert fault.message == "No valid host was found. Host 'ghost' is not mapped to any cell"
    assert uuids[0] not in rig.placement.allocations


async def test_group_members_and_hosts_are_filled_and_membership_added(rig: Rig) -> None:
    cell1 = rig.cells.stores[rig.cells.one.uuid]
    old_spec, (old,) = rig.request()
    rig.scheduler.selections = [[rig.selection(old, "host3")]]
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=old_spec, instance_uuids=[old]
    )
    assert cell1.rows[old].host == "host3"
    group = ServerGroup(name="g", policy="anti-affinity", members=[old])
    rig.groups.rows[group.uuid] = group
    spec, uuids = rig.request()
    spec.instance_group = ServerGroup(uuid=group.uuid, policy="anti-affinity")
    rig.scheduler.selections = [[rig.selection(uuids[0], "host1")]]
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    seen = rig.scheduler.specs[-1].instance_group
    assert seen is not None
    assert (seen.members, seen.hosts) == ([old], ["host3"])
    assert rig.groups.rows[group.uuid].members == [old, uuids[0]]


async def test_a_mapping_in_cell0_does_not_give_hosts(rig: Rig) -> None:
    group = ServerGroup(name="g", members=["x"])
    rig.groups.rows[group.uuid] = group
    rig.mappings.rows["x"] = InstanceMapping(
        instance_uuid="x", project_id="proj", cell_uuid=rig.cells.zero.uuid
    )
    spec, uuids = rig.request()
    spec.instance_group = ServerGroup(uuid=group.uuid)
    rig.scheduler.error = NoValidHost(reason="r")
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=uuids
    )
    seen = rig.scheduler.specs[-1].instance_group
    assert seen is not None
    assert (seen.members, seen.hosts) == (["x"], [])

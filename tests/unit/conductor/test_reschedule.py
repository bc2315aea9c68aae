"""build_instances (reschedules) against fakes."""

from __future__ import annotations

from novalite.domain.instance import Instance
from novalite.domain.request_spec import RequestSpec
from tests.unit.conductor.conftest import Rig


async def _built(rig: Rig) -> tuple[Instance, RequestSpec]:
    spec, (uuid,) = rig.request()
    rig.scheduler.selections = [
        [rig.selection(uuid, "host1"), rig.selection(uuid, "host2"), rig.selection(uuid, "host3")]
    ]
    await rig.conductor.endpoint.schedule_and_build_instances(
        rig.ctx, request_spec=spec, instance_uuids=[uuid]
    )
    return rig.compute.builds[-1]["instance"], spec


async def test_reschedule_claims_the_next_alternate_and_casts(rig: Rig) -> None:
    instance, spec = await _built(rig)
    alternates = rig.compute.builds[-1]["alternates"]
    await rig.conductor.endpoint.build_instances(
        rig.ctx, instance=instance, request_spec=spec, alternates=alternates, reason="boom"
    )
    stored = rig.cells.stores[rig.cells.one.uuid].rows[instance.uuid]
    assert (stored.host, stored.node, stored.task_state) == ("host2", "host2", "scheduling")
    assert list(rig.placement.allocations[instance.uuid]) == ["rp-host2"]
    last = rig.compute.builds[-1]
    assert last["host"] == "host2"
    assert [a.service_host for a in last["alternates"]] == ["host3"]


async def test_a_refused_claim_moves_on_to_the_next(rig: Rig) -> None:
    instance, spec = await _built(rig)
    rig.placement.refuse.add("rp-host2")
    await rig.conductor.endpoint.build_instances(
        rig.ctx,
        instance=instance,
        request_spec=spec,
        alternates=rig.compute.builds[-1]["alternates"],
        reason="boom",
    )
    assert rig.compute.builds[-1]["host"] == "host3"
    assert rig.compute.builds[-1]["alternates"] == []
    assert list(rig.placement.allocations[instance.uuid]) == ["rp-host3"]


async def test_no_alternate_left_puts_the_instance_in_error(rig: Rig) -> None:
    instance, spec = await _built(rig)
    await rig.conductor.endpoint.build_instances(
        rig.ctx, instance=instance, request_spec=spec, alternates=[], reason="spawn failed: x"
    )
    cell1 = rig.cells.stores[rig.cells.one.uuid]
    stored = cell1.rows[instance.uuid]
    assert (stored.vm_state, stored.task_state) == ("error", None)
    fault = cell1.faults[-1]
    assert fault.message == (
        "Exceeded maximum number of retries. Exhausted all hosts available for retrying "
        f"build failures for instance {instance.uuid}."
    )
    assert fault.details == "spawn failed: x"
    assert instance.uuid not in rig.placement.allocations
    assert len(rig.compute.builds) == 1


async def test_a_deleting_instance_is_not_rescheduled(rig: Rig) -> None:
    instance, spec = await _built(rig)
    rig.cells.stores[rig.cells.one.uuid].rows[instance.uuid].task_state = "deleting"
    await rig.conductor.endpoint.build_instances(
        rig.ctx,
        instance=instance,
        request_spec=spec,
        alternates=rig.compute.builds[-1]["alternates"],
        reason="boom",
    )
    assert len(rig.compute.builds) == 1
    assert instance.uuid not in rig.placement.allocations
    assert rig.cells.stores[rig.cells.one.uuid].rows[instance.uuid].vm_state == "building"

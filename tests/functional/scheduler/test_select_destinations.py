"""select_destinations over the inproc bus, with the built-in placement and SQLite cells."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from novalite.clients.placement import PlacementClient
from novalite.domain.request_spec import RequestSpec
from novalite.domain.server_group import ServerGroup
from novalite.errors import NoValidHost
from novalite.scheduler.claims import ALLOCATION_REQUEST_VERSION
from tests.functional.scheduler.conftest import SchedulerCloud, Serve

FLAVOR = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


def new_uuids(count: int) -> list[str]:
    return [str(uuid.uuid4()) for _ in range(count)]


def spec(uuids: Sequence[str], **kwargs: Any) -> RequestSpec:
    values: dict[str, Any] = {
        "instance_uuid": uuids[0],
        "instance_uuids": list(uuids),
        "num_instances": len(uuids),
        "vcpus": 1,
        "memory_mb": 512,
        "root_gb": 1,
        "project_id": "project-1",
        "user_id": "user-1",
    }
    values.update(kwargs)
    return RequestSpec(**values)


async def allocations(cloud: SchedulerCloud, instance: str) -> dict[str, Any]:
    """``{provider: resources}`` claimed for ``instance``."""
    body = (await cloud.placement.get_allocations(instance))["allocations"]
    return {rp: alloc["resources"] for rp, alloc in body.items()}


async def test_anti_affinity_spreads_then_no_valid_host(
    cloud: SchedulerCloud, serve: Serve
) -> None:
    nodes = {await cloud.add_host(h): h for h in ("h1", "h2", "h3")}
    api = await serve(cloud.manager())
    group = ServerGroup(policy="anti-affinity", members=new_uuids(3))
    result = await api.select_destinations(
        cloud.ctx, spec(group.members, instance_group=group), group.members
    )

    assert len(result) == 3
    assert sorted(sel[0].service_host for sel in result) == ["h1", "h2", "h3"]
    for instance, selections in zip(group.members, result, strict=True):
        chosen = selections[0]
        assert chosen.instance_uuid == instance
        assert chosen.cell_uuid == cloud.cell_uuids["cell1"]
        assert nodes[chosen.compute_node_uuid] == chosen.service_host
        assert chosen.allocation_request_version == ALLOCATION_REQUEST_VERSION
        assert (await allocations(cloud, instance)) == {chosen.compute_node_uuid: FLAVOR}
        # alternates would break the group: none offered
        assert selections[1:] == []
        await cloud.add_instance(instance, chosen.service_host)

    fourth = str(uuid.uuid4())
    group.members.append(fourth)
    group.hosts = ["h1", "h2", "h3"]
    with pytest.raises(NoValidHost) as info:
        await api.select_destinations(cloud.ctx, spec([fourth], instance_group=group), [fourth])
    err = info.value
    assert type(err) is NoValidHost
    assert "ServerGroupAntiAffinityFilter removed 3" in err.kwargs["details"]
    assert "h1: anti-affinity server group" in err.kwargs["details"]
    assert str(err) == (
        "No valid host was found. There are not enough hosts available. "
        "Hosts were rejected by: ServerGroupAntiAffinityFilter."
    )
    assert await allocations(cloud, fourth) == {}


async def test_request_that_cannot_be_placed_whole_leaves_no_claim(
    cloud: SchedulerCloud, serve: Serve
) -> None:
    for h in ("h1", "h2", "h3"):
        await cloud.add_host(h)
    api = await serve(cloud.manager())
    group = ServerGroup(policy="anti-affinity", members=new_uuids(4))
    with pytest.raises(NoValidHost) as info:
        await api.select_destinations(
            cloud.ctx, spec(group.members, instance_group=group), group.members
        )
    assert "instance 4 of 4" in info.value.kwargs["details"]
    for instance in group.members:
        assert await allocations(cloud, instance) == {}


@pytest.mark.slow
async def test_concurrent_requests_never_overcommit(cloud: SchedulerCloud, serve: Serve) -> None:
    # 2 physical cores at cpu_allocation_ratio 3.0: room for 6 one-vCPU instances.
    node = await cloud.add_host("small", vcpus=2, cpu_ratio=3.0)
    api = await serve(cloud.manager())
    uuids = new_uuids(50)

    async def one(instance: str) -> str | None:
        try:
            (selections,) = await api.select_destinations(cloud.ctx, spec([instance]), [instance])
        except NoValidHost:
            return None
        return selections[0].service_host

    results = await asyncio.gather(*(one(u) for u in uuids))
    assert results.count("small") == 6
    assert results.count(None) == 44
    assert (await cloud.usage(node))["VCPU"] == 6
    claimed = [u for u, r in zip(uuids, results, strict=True) if r]
    for instance in uuids:
        assert bool(await allocations(cloud, instance)) == (instance in claimed)


async def test_alternates_are_in_the_selected_host_cell(
    cloud: SchedulerCloud, serve: Serve
) -> None:
    await cloud.add_cell("cell2")
    for h, mem in (("a1", 4096), ("a2", 6144), ("a3", 2048), ("a4", 3072)):
        await cloud.add_host(h, memory_mb=mem)
    await cloud.add_host("b1", cell="cell2", memory_mb=16384)
    await cloud.add_host("b2", cell="cell2", memory_mb=1024)
    api = await serve(cloud.manager(max_attempts=3, weight_classes=("RAMWeigher",)))
    instance = str(uuid.uuid4())

    (selections,) = await api.select_destinations(cloud.ctx, spec([instance]), [instance])
    assert [s.service_host for s in selections] == ["b1", "b2"]
    assert {s.cell_uuid for s in selections} == {cloud.cell_uuids["cell2"]}

    # b2 cannot take 2048 MB: no alternate left in cell2
    second = str(uuid.uuid4())
    (selections,) = await api.select_destinations(
        cloud.ctx, spec([second], memory_mb=2048), [second]
    )
    assert [s.service_host for s in selections] == ["b1"]

    third = str(uuid.uuid4())
    (selections,) = await api.select_destinations(
        cloud.ctx, spec([third], memory_mb=2048, ignore_hosts=["b1"]), [third]
    )
    assert [s.service_host for s in selections] == ["a2", "a1", "a4"]
    assert {s.cell_uuid for s in selections} == {cloud.cell_uuids["cell1"]}
    assert all(s.allocation_request["allocations"] for s in selections)
    # only the selected host is claimed
    assert set(await allocations(cloud, third)) == {selections[0].compute_node_uuid}

    fourth = str(uuid.uuid4())
    (selections,) = await api.select_destinations(
        cloud.ctx, spec([fourth], memory_mb=2048), [fourth], return_alternates=False
    )
    assert [s.service_host for s in selections] == ["b1"]


class Intruder(PlacementClient):
    """A placement client that lets another consumer fill ``host`` right after the
    candidates are read, as a concurrent scheduler would."""

    def __init__(self, inner: PlacementClient, rp_uuid: str, resources: dict[str, int]) -> None:
        super().__init__(inner.session)
        self.rp_uuid, self.resources = rp_uuid, resources
        self.intruders: list[str] = []

    async def get_allocation_candidates(
        self, resources: Mapping[str, int], **kwargs: Any
    ) -> dict[str, Any]:
        body = await super().get_allocation_candidates(resources, **kwargs)
        intruder = str(uuid.uuid4())
        await self.claim(intruder, {self.rp_uuid: {"resources": self.resources}}, "other", "other")
        self.intruders.append(intruder)
        return body


async def test_claim_conflict_falls_back_to_next_host(cloud: SchedulerCloud, serve: Serve) -> None:
    big = await cloud.add_host("big", memory_mb=16384)
    small = await cloud.add_host("small", memory_mb=4096)
    intruder = Intruder(cloud.placement, big, {"MEMORY_MB": 16384})
    api = await serve(cloud.manager(intruder, weight_classes=("RAMWeigher",)))
    instance = str(uuid.uuid4())

    (selections,) = await api.select_destinations(cloud.ctx, spec([instance]), [instance])
    assert [s.service_host for s in selections] == ["small"]
    assert await allocations(cloud, instance) == {small: FLAVOR}
    assert (await cloud.usage(big)) == {"MEMORY_MB": 16384}

    # Nowhere else to go: NoValidHost names the refused claim, and leaves nothing behind.
    await cloud.placement.delete_allocations(intruder.intruders[0])
    intruder.rp_uuid, intruder.resources = small, {"MEMORY_MB": 4096 - 512}
    second = str(uuid.uuid4())
    with pytest.raises(NoValidHost) as info:
        await api.select_destinations(
            cloud.ctx, spec([second], memory_mb=1024, ignore_hosts=["big"]), [second]
        )
    assert (
        "PlacementClaim removed 1 (small: placement refused the claim"
        in (info.value.kwargs["details"])
    )
    assert await allocations(cloud, second) == {}


async def test_requests_in_flight_together_see_each_others_choices(
    cloud: SchedulerCloud, serve: Serve
) -> None:
    """Members of a group created one after another, scheduled at the same time and before
    any of them reached a cell database, still land on different hosts."""
    for host in ("h1", "h2", "h3"):
        # h1 wins every weighing: only the group's filter can send members elsewhere
        await cloud.add_host(
            host,
            memory_mb=65536 if host == "h1" else 8192,
            vcpus=64 if host == "h1" else 8,
            disk_gb=1000 if host == "h1" else 100,
        )
    api = await serve(cloud.manager())
    group = ServerGroup(policy="anti-affinity", members=new_uuids(3))
    results = await asyncio.gather(
        *(
            api.select_destinations(cloud.ctx, spec([m], instance_group=group), [m])
            for m in group.members
        )
    )
    assert sorted(r[0][0].service_host for r in results) == ["h1", "h2", "h3"]

"""Claims, the resource tracker and what it reports to placement."""

from __future__ import annotations

from typing import cast

import pytest

from novalite.clients.placement import PlacementClient
from novalite.compute.claims import AllocationRatios, Capacity, ReservedResources, Usage
from novalite.compute.placement_report import ProviderReporter, node_inventories
from novalite.domain.compute_node import ComputeNode
from novalite.errors import ComputeResourcesUnavailable
from tests.unit.compute.conftest import Host, make_host
from tests.unit.compute.fakes import ADMIN, FakePlacement, flavor, instance

RATIOS = AllocationRatios(cpu=4.0, ram=1.5, disk=1.0)
RESERVED = ReservedResources(cpus=1, memory_mb=512, disk_mb=1025)


def test_usage_counts_swap_as_whole_gigabytes() -> None:
    usage = Usage.of(
        instance(flavor=flavor(vcpus=2, memory_mb=1024, root_gb=10, ephemeral_gb=5, swap=513))
    )
    assert usage == Usage(vcpus=2, memory_mb=1024, disk_gb=16)
    assert Usage.of(instance(flavor=None)) == Usage()


def test_capacity_is_placement_capacity() -> None:
    capacity = Capacity(vcpus=4, memory_mb=2048, local_gb=10, ratios=RATIOS, reserved=RESERVED)
    capacity.check(Usage(vcpus=11), Usage(vcpus=1, memory_mb=2304, disk_gb=8))
    with pytest.raises(ComputeResourcesUnavailable, match="Free VCPU 0 < requested 1"):
        capacity.check(Usage(vcpus=12), Usage(vcpus=1))
    with pytest.raises(ComputeResourcesUnavailable, match="Free MEMORY_MB 2304 < requested 2305"):
        capacity.check(Usage(), Usage(memory_mb=2305))
    with pytest.raises(ComputeResourcesUnavailable, match="Free DISK_GB 8 < requested 9"):
        capacity.check(Usage(), Usage(disk_gb=9))


async def test_tracker_claims_drops_and_reports_usage(host: Host) -> None:
    big = instance(flavor=flavor(vcpus=6, memory_mb=1024, root_gb=10))
    await host.tracker.instance_claim(big, "h1")
    with pytest.raises(ComputeResourcesUnavailable):
        await host.tracker.instance_claim(instance(flavor=flavor(vcpus=3)), "h1")
    await host.tracker.instance_claim(big, "h1")  # a claim again replaces the first
    assert host.tracker.usage("h1") == Usage(vcpus=6, memory_mb=1024, disk_gb=10)
    await host.tracker.update_available_resource(ADMIN, service_id=7)
    node = host.tracker.nodes["h1"]
    assert (node.vcpus_used, node.memory_mb_used, node.local_gb_used, node.running_vms) == (
        6,
        1024,
        10,
        1,
    )
    assert (node.service_id, node.cpu_allocation_ratio) == (7, 2.0)
    assert host.tracker.drop_claim(big.uuid)
    assert not host.tracker.drop_claim(big.uuid)
    host.tracker.track_instances([big, instance(vm_state="deleted")])
    assert host.tracker.tracked_instances == {big.uuid}


def test_inventories_apply_ratios_and_reserved() -> None:
    node = ComputeNode(host="h", hypervisor_hostname="h", vcpus=8, memory_mb=16384, local_gb=0)
    inventories = node_inventories(node, RATIOS, RESERVED)
    assert set(inventories) == {"VCPU", "MEMORY_MB"}
    assert inventories["VCPU"] == {
        "total": 8,
        "reserved": 1,
        "min_unit": 1,
        "max_unit": 8,
        "step_size": 1,
        "allocation_ratio": 4.0,
    }
    assert (inventories["MEMORY_MB"]["reserved"], inventories["MEMORY_MB"]["allocation_ratio"]) == (
        512,
        1.5,
    )
    node.local_gb = 100
    assert node_inventories(node, RATIOS, RESERVED)["DISK_GB"]["reserved"] == 2


async def test_reporter_writes_only_changes_and_keeps_operator_traits() -> None:
    fake = FakePlacement()
    reporter = ProviderReporter(cast(PlacementClient, fake), RATIOS, RESERVED)
    node = ComputeNode(host="h", hypervisor_hostname="node-1", vcpus=8, memory_mb=4096, local_gb=50)
    fake.traits[node.uuid] = {"CUSTOM_GOLD", "COMPUTE_NET_ATTACH_INTERFACE"}
    await reporter.report(ADMIN, node, {"COMPUTE_IMAGE_TYPE_RAW"})
    assert fake.providers == {node.uuid: "node-1"}
    assert fake.traits[node.uuid] == {"CUSTOM_GOLD", "COMPUTE_NODE", "COMPUTE_IMAGE_TYPE_RAW"}
    assert fake.inventories[node.uuid]["VCPU"]["total"] == 8
    fake.calls.clear()
    await reporter.report(ADMIN, node, {"COMPUTE_IMAGE_TYPE_RAW"})
    assert fake.calls == []
    await reporter.report(ADMIN, node, {"COMPUTE_IMAGE_TYPE_RAW"}, disabled=True)
    assert fake.calls == ["set_traits"]
    assert "COMPUTE_STATUS_DISABLED" in fake.traits[node.uuid]
    node.vcpus = 16
    await reporter.report(ADMIN, node, {"COMPUTE_IMAGE_TYPE_RAW"}, disabled=True)
    assert fake.calls == ["set_traits", "set_inventory"]
    assert fake.inventories[node.uuid]["VCPU"]["max_unit"] == 16


async def test_reporter_reads_placement_again_after_a_restart() -> None:
    fake = FakePlacement()
    node = ComputeNode(host="h", hypervisor_hostname="n", vcpus=8, memory_mb=4096, local_gb=50)
    await ProviderReporter(cast(PlacementClient, fake), RATIOS, RESERVED).report(ADMIN, node, set())
    fake.calls.clear()
    await ProviderReporter(cast(PlacementClient, fake), RATIOS, RESERVED).report(ADMIN, node, set())
    assert fake.calls == ["ensure n"]


async def test_tracker_reports_each_node_with_driver_traits() -> None:
    host = make_host()
    await host.driver.init_host("h1")
    await host.tracker.update_available_resource(ADMIN, service_id=1)
    [(rp, name)] = host.placement.providers.items()
    assert name == "h1"
    assert rp == host.conductor.nodes[("h1", "h1")].uuid
    assert host.driver.capability_traits() < host.placement.traits[rp]
    assert host.placement.inventories[rp]["MEMORY_MB"]["total"] == 800_000

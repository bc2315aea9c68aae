"""A compute host's operations wired to in-memory fakes."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

import pytest

from novalite.clients.placement import PlacementClient
from novalite.compute.claims import AllocationRatios, ReservedResources
from novalite.compute.deps import HostDeps
from novalite.compute.placement_report import ProviderReporter
from novalite.compute.resource_tracker import ResourceTracker
from novalite.virt.fake.driver import FakeDriver
from tests.unit.compute.fakes import FakeConductor, FakePlacement

RATIOS = AllocationRatios(cpu=2.0, ram=1.0, disk=1.0)


@dataclasses.dataclass
class Host:
    driver: FakeDriver
    conductor: FakeConductor
    placement: FakePlacement
    tracker: ResourceTracker
    deps: HostDeps


def make_host(name: str = "h1", **driver_kw: Any) -> Host:
    driver = FakeDriver(**driver_kw)
    conductor = FakeConductor()
    placement = FakePlacement()
    client = cast(PlacementClient, placement)
    tracker = ResourceTracker(
        name,
        driver,
        conductor.api(),
        RATIOS,
        reserved=ReservedResources(cpus=0, memory_mb=0, disk_mb=0),
        provider_reporter=ProviderReporter(client, RATIOS, ReservedResources()),
    )
    deps = HostDeps(
        host=name, driver=driver, conductor=conductor.api(), tracker=tracker, placement=client
    )
    return Host(driver, conductor, placement, tracker, deps)


@pytest.fixture
async def host() -> Host:
    h = make_host(vcpus=4, memory_mb=4096, local_gb=40)
    await h.driver.init_host("h1")
    return h

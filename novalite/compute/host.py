"""Assembling one compute host from explicit dependencies.

A process runs one host normally, or N simulated hosts with the fake driver
(``novalite compute --fake-hosts N``): each has its own driver, resource
tracker, manager, service record, compute node, placement provider and RPC
server on ``compute.<name>``; they share the transport, the conductor and
placement clients. Simulated hosts are named by :func:`fake_host_names`.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from novalite.clients.placement import PlacementClient
from novalite.compute.claims import AllocationRatios, ReservedResources
from novalite.compute.manager import ComputeManager
from novalite.compute.placement_report import ProviderReporter
from novalite.compute.resource_tracker import ResourceTracker
from novalite.domain.service import Service
from novalite.rpc import compute as compute_rpc
from novalite.rpc.conductor import ConductorAPI, ConductorServiceRegistry
from novalite.rpc.server import RpcServer
from novalite.rpc.transport import Transport
from novalite.service import SERVICE_VERSION, Component, ServiceReporter
from novalite.virt.driver import ComputeDriver

if TYPE_CHECKING:
    from novalite.conf import Config

COMPUTE_BINARY = "nova-compute"


@dataclasses.dataclass(frozen=True, slots=True)
class HostSettings:
    """The options one compute host runs with (``[DEFAULT]`` in nova.conf)."""

    ratios: AllocationRatios
    reserved: ReservedResources = dataclasses.field(default_factory=ReservedResources)
    host_ip: str | None = None
    report_interval: float = 10.0
    update_resources_interval: float = 60.0
    sync_power_state_interval: float = 600.0
    max_concurrent_builds: int = 10

    @classmethod
    def from_conf(cls, conf: Config) -> HostSettings:
        """The settings of ``conf``'s ``[DEFAULT]`` section."""
        d = conf.DEFAULT
        return cls(
            ratios=AllocationRatios(
                cpu=d.effective_cpu_allocation_ratio,
                ram=d.effective_ram_allocation_ratio,
                disk=d.effective_disk_allocation_ratio,
            ),
            reserved=ReservedResources(
                cpus=d.reserved_host_cpus,
                memory_mb=d.reserved_host_memory_mb,
                disk_mb=d.reserved_host_disk_mb,
            ),
            host_ip=d.my_ip,
            report_interval=d.report_interval,
            update_resources_interval=d.update_resources_interval,
            sync_power_state_interval=d.sync_power_state_interval,
            max_concurrent_builds=d.max_concurrent_builds,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ComputeHost:
    """One host's parts; ``components`` is what a launcher runs, in start order."""

    name: str
    manager: ComputeManager
    tracker: ResourceTracker
    server: RpcServer
    reporter: ServiceReporter

    @property
    def components(self) -> list[Component]:
        """The manager (driver, record, reports, reconciliation) first, then its RPC server."""
        return [self.manager, self.server]


def fake_host_names(base: str, count: int) -> list[str]:
    """Names of ``count`` simulated hosts: ``base`` alone, else ``base-1`` .. ``base-N``."""
    if count <= 1:
        return [base]
    return [f"{base}-{i}" for i in range(1, count + 1)]


def build_compute_host(
    *,
    host: str,
    transport: Transport,
    conductor: ConductorAPI,
    placement: PlacementClient | None,
    driver: ComputeDriver,
    settings: HostSettings,
) -> ComputeHost:
    """Wire one compute host named ``host`` (its RPC server listens on ``compute.<host>``)."""
    service = Service(
        host=host, binary=COMPUTE_BINARY, topic=compute_rpc.TOPIC, version=SERVICE_VERSION
    )
    reporter = ServiceReporter(
        ConductorServiceRegistry(conductor), service, settings.report_interval
    )
    provider_reporter = (
        None
        if placement is None
        else ProviderReporter(placement, settings.ratios, settings.reserved)
    )
    tracker = ResourceTracker(
        host,
        driver,
        conductor,
        settings.ratios,
        host_ip=settings.host_ip,
        reserved=settings.reserved,
        provider_reporter=provider_reporter,
        service_disabled=lambda: reporter.service.disabled,
    )
    manager = ComputeManager(
        host,
        driver,
        reporter,
        tracker,
        update_resources_interval=settings.update_resources_interval,
        sync_power_state_interval=settings.sync_power_state_interval,
        conductor=conductor,
        placement=placement,
        max_concurrent_builds=settings.max_concurrent_builds,
    )
    server = RpcServer(transport, compute_rpc.TOPIC, host, [manager])
    return ComputeHost(
        name=host, manager=manager, tracker=tracker, server=server, reporter=reporter
    )

"""This host's resources: compute node records, local claims, and placement reports."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from novalite.compute.claims import (
    AllocationRatios,
    Capacity,
    ReservedResources,
    Usage,
)
from novalite.compute.placement_report import ProviderReporter
from novalite.context import RequestContext
from novalite.domain.compute_node import ComputeNode
from novalite.domain.instance import Instance
from novalite.domain.states import VmState
from novalite.errors import NovaliteError
from novalite.rpc.conductor import ConductorAPI
from novalite.virt.driver import ComputeDriver, NodeResources

LOG = logging.getLogger(__name__)

__all__ = ["AllocationRatios", "ReservedResources", "ResourceTracker"]

#: vm_states whose instances hold no resources on their host.
_NOT_USING = frozenset({VmState.DELETED, VmState.SHELVED_OFFLOADED})


class ResourceTracker:
    """Keeps the compute node records of one host in step with its hypervisor.

    Records are written through the conductor (a compute host never opens a
    database) and, when a :class:`ProviderReporter` is given, each node is
    reported to placement as a resource provider after its record is written.
    The tracker also holds the local claims of the instances on this host: a
    build claims before spawning, and a claim that does not fit is refused.
    """

    def __init__(
        self,
        host: str,
        driver: ComputeDriver,
        conductor: ConductorAPI,
        ratios: AllocationRatios,
        *,
        host_ip: str | None = None,
        reserved: ReservedResources | None = None,
        provider_reporter: ProviderReporter | None = None,
        service_disabled: Callable[[], bool] | None = None,
    ) -> None:
        self._host = host
        self._driver = driver
        self._conductor = conductor
        self._ratios = ratios
        self._reserved = reserved or ReservedResources()
        self._host_ip = host_ip
        self._provider_reporter = provider_reporter
        self._service_disabled = service_disabled
        self._nodes: dict[str, ComputeNode] = {}
        self._resources: dict[str, NodeResources] = {}
        self._claims: dict[str, tuple[str, Usage]] = {}

    @property
    def conductor(self) -> ConductorAPI:
        """The conductor the records are written through."""
        return self._conductor

    @property
    def nodes(self) -> dict[str, ComputeNode]:
        """The compute node records last written, by node name."""
        return dict(self._nodes)

    @property
    def tracked_instances(self) -> frozenset[str]:
        """UUIDs of the instances whose resources this host counts."""
        return frozenset(self._claims)

    def usage(self, nodename: str) -> Usage:
        """What the tracked instances use of ``nodename``."""
        total = Usage()
        for node, usage in self._claims.values():
            if node == nodename:
                total += usage
        return total

    # -- claims -----------------------------------------------------------------------------

    async def instance_claim(self, instance: Instance, nodename: str) -> None:
        """Count ``instance`` on ``nodename``, or raise ComputeResourcesUnavailable.

        A second claim of the same instance replaces the first.
        """
        resources = self._resources.get(nodename)
        if resources is None:
            resources = await self._driver.get_available_resource(nodename)
            self._resources[nodename] = resources
        capacity = Capacity(
            vcpus=resources.vcpus,
            memory_mb=resources.memory_mb,
            local_gb=resources.local_gb,
            ratios=self._ratios,
            reserved=self._reserved,
        )
        self._claims.pop(instance.uuid, None)
        wanted = Usage.of(instance)
        capacity.check(self.usage(nodename), wanted)
        self._claims[instance.uuid] = (nodename, wanted)

    def drop_claim(self, instance_uuid: str) -> bool:
        """Stop counting an instance (failed build, deletion); False if it was not counted."""
        return self._claims.pop(instance_uuid, None) is not None

    def track_instances(self, instances: Iterable[Instance]) -> None:
        """Count exactly ``instances`` (those of this host as the cell sees them)."""
        self._claims = {
            inst.uuid: (inst.node or self._host, Usage.of(inst))
            for inst in instances
            if inst.vm_state not in _NOT_USING
        }

    # -- reporting --------------------------------------------------------------------------

    async def update_available_resource(self, ctx: RequestContext, service_id: int) -> None:
        """Report every node the driver has (nova's periodic of the same name)."""
        for nodename in await self._driver.get_available_nodes():
            resources = await self._driver.get_available_resource(nodename)
            self._resources[nodename] = resources
            node = self._node_record(resources, service_id)
            node = await self._conductor.compute_node_update(ctx, node)
            self._nodes[nodename] = node
            await self._report_provider(ctx, node)
        LOG.debug("reported %d node(s) for host %s", len(self._nodes), self._host)

    async def _report_provider(self, ctx: RequestContext, node: ComputeNode) -> None:
        if self._provider_reporter is None:
            return
        disabled = self._service_disabled() if self._service_disabled else False
        try:
            await self._provider_reporter.report(
                ctx, node, self._driver.capability_traits(), disabled=disabled
            )
        except NovaliteError as exc:
            LOG.error(
                "cannot report node %s to placement (retried at the next update): %s",
                node.hypervisor_hostname,
                exc,
            )

    def _node_record(self, res: NodeResources, service_id: int) -> ComputeNode:
        known = self._nodes.get(res.hypervisor_hostname)
        used = self.usage(res.hypervisor_hostname)
        running = sum(1 for node, _ in self._claims.values() if node == res.hypervisor_hostname)
        node = ComputeNode(
            host=self._host,
            hypervisor_hostname=res.hypervisor_hostname,
            service_id=service_id,
            hypervisor_type=res.hypervisor_type,
            hypervisor_version=res.hypervisor_version,
            vcpus=res.vcpus,
            memory_mb=res.memory_mb,
            local_gb=res.local_gb,
            vcpus_used=used.vcpus,
            memory_mb_used=used.memory_mb + self._reserved.memory_mb,
            local_gb_used=used.disk_gb + self._reserved.disk_gb,
            free_ram_mb=res.memory_mb - used.memory_mb - self._reserved.memory_mb,
            free_disk_gb=res.local_gb - used.disk_gb - self._reserved.disk_gb,
            running_vms=running,
            cpu_info=res.cpu_info,
            host_ip=self._host_ip,
            cpu_allocation_ratio=self._ratios.cpu,
            ram_allocation_ratio=self._ratios.ram,
            disk_allocation_ratio=self._ratios.disk,
        )
        if known is not None:
            node.id = known.id
            node.uuid = known.uuid
        return node

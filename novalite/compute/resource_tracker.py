"""Turning what the driver reports into this host's compute node records."""

from __future__ import annotations

import dataclasses
import logging

from novalite.context import RequestContext
from novalite.domain.compute_node import ComputeNode
from novalite.rpc.conductor import ConductorAPI
from novalite.virt.driver import ComputeDriver, NodeResources

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class AllocationRatios:
    """``[DEFAULT] *_allocation_ratio`` with the ``initial_*`` fallbacks already applied."""

    cpu: float
    ram: float
    disk: float


class ResourceTracker:
    """Keeps the compute node records of one host in step with its hypervisor.

    Records are written through the conductor: a compute host never opens a
    database.
    """

    def __init__(
        self,
        host: str,
        driver: ComputeDriver,
        conductor: ConductorAPI,
        ratios: AllocationRatios,
        *,
        host_ip: str | None = None,
    ) -> None:
        self._host = host
        self._driver = driver
        self._conductor = conductor
        self._ratios = ratios
        self._host_ip = host_ip
        self._nodes: dict[str, ComputeNode] = {}

    @property
    def nodes(self) -> dict[str, ComputeNode]:
        """The compute node records last written, by node name."""
        return dict(self._nodes)

    async def update_available_resource(self, ctx: RequestContext, service_id: int) -> None:
        """Report every node the driver has (nova's periodic of the same name)."""
        for nodename in await self._driver.get_available_nodes():
            resources = await self._driver.get_available_resource(nodename)
            node = self._node_record(resources, service_id)
            self._nodes[nodename] = await self._conductor.compute_node_update(ctx, node)
        LOG.debug("reported %d node(s) for host %s", len(self._nodes), self._host)

    def _node_record(self, res: NodeResources, service_id: int) -> ComputeNode:
        known = self._nodes.get(res.hypervisor_hostname)
        node = ComputeNode(
            host=self._host,
            hypervisor_hostname=res.hypervisor_hostname,
            service_id=service_id,
            hypervisor_type=res.hypervisor_type,
            hypervisor_version=res.hypervisor_version,
            vcpus=res.vcpus,
            memory_mb=res.memory_mb,
            local_gb=res.local_gb,
            vcpus_used=res.vcpus_used,
            memory_mb_used=res.memory_mb_used,
            local_gb_used=res.local_gb_used,
            free_ram_mb=res.memory_mb - res.memory_mb_used,
            free_disk_gb=res.local_gb - res.local_gb_used,
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

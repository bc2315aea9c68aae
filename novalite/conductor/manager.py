"""The conductor's object service: the reads and writes compute hosts ask for."""

from __future__ import annotations

import logging

from novalite.context import RequestContext
from novalite.db.repositories.compute_nodes import ComputeNodeRepository
from novalite.db.service_registry import DatabaseServiceRegistry
from novalite.domain.compute_node import ComputeNode
from novalite.domain.service import Service
from novalite.errors import ComputeHostNotFound, DBDuplicateEntry
from novalite.rpc import conductor as conductor_rpc
from novalite.rpc import expose

LOG = logging.getLogger(__name__)

#: Fields a compute host reports about its node; the rest (id, uuid, mapped) are the cell's.
_REPORTED_FIELDS = frozenset(ComputeNode.field_names()) - {
    "id",
    "uuid",
    "mapped",
    "created_at",
    "updated_at",
}


class ConductorManager:
    """Serves the ``conductor`` topic (API version :data:`novalite.rpc.conductor.VERSION`)."""

    RPC_API_VERSION = conductor_rpc.VERSION

    def __init__(
        self,
        host: str,
        services: DatabaseServiceRegistry,
        compute_nodes: ComputeNodeRepository,
    ) -> None:
        self._host = host
        self._services = services
        self._compute_nodes = compute_nodes

    @expose
    async def ping(self, ctx: RequestContext) -> str:
        """Answer with this conductor's host name."""
        return self._host

    @expose
    async def service_register(self, ctx: RequestContext, *, service: Service) -> Service:
        """Create or refresh a service record on behalf of a compute host."""
        return await self._services.register(service)

    @expose
    async def service_heartbeat(self, ctx: RequestContext, *, service_id: int) -> Service:
        """Record a compute host's heartbeat."""
        return await self._services.heartbeat(service_id)

    @expose
    async def compute_node_update(self, ctx: RequestContext, *, node: ComputeNode) -> ComputeNode:
        """Create the node record, or update what changed in the existing one."""
        try:
            stored = await self._compute_nodes.get_by_host_and_nodename(
                node.host, node.hypervisor_hostname
            )
        except ComputeHostNotFound:
            try:
                created = await self._compute_nodes.create(node)
            except DBDuplicateEntry:
                stored = await self._compute_nodes.get_by_host_and_nodename(
                    node.host, node.hypervisor_hostname
                )
            else:
                LOG.info("compute node %s of host %s created", node.hypervisor_hostname, node.host)
                return created
        for name in _REPORTED_FIELDS:
            value = getattr(node, name)
            if getattr(stored, name) != value:
                setattr(stored, name, value)
        return await self._compute_nodes.save(stored)

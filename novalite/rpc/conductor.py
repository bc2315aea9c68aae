"""The conductor's RPC contract: what compute hosts (and others) may ask of it.

Version history of the ``conductor`` topic's API:

* 1.0 - ``ping``, ``service_register``, ``service_heartbeat``, ``compute_node_update``.
"""

from __future__ import annotations

import logging

from novalite.context import RequestContext
from novalite.domain.compute_node import ComputeNode
from novalite.domain.service import Service
from novalite.errors import MessagingTimeout
from novalite.rpc.client import DEFAULT_TIMEOUT, RpcClient
from novalite.rpc.transport import Transport

LOG = logging.getLogger(__name__)

TOPIC = "conductor"
VERSION = "1.0"


class ConductorAPI:
    """Client stub for the cell conductor's object service."""

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        version_cap: str | None = None,
    ) -> None:
        self._client = RpcClient(
            transport, TOPIC, version=VERSION, timeout=timeout, version_cap=version_cap
        )

    async def ping(self, ctx: RequestContext, *, reply_timeout: float | None = None) -> str:
        """Round trip to any conductor; returns the answering conductor's host."""
        client = self._client.prepare(timeout=reply_timeout) if reply_timeout else self._client
        host: str = await client.call(ctx, "ping")
        return host

    async def wait_until_ready(self, ctx: RequestContext, *, attempt_timeout: float = 10.0) -> None:
        """Block until a conductor answers, logging while it does not (as nova-compute does)."""
        attempt = 0
        while True:
            attempt += 1
            try:
                host = await self.ping(ctx, reply_timeout=attempt_timeout)
            except MessagingTimeout:
                LOG.warning("no conductor answered after %d attempt(s); still waiting", attempt)
                continue
            if attempt > 1:
                LOG.info("conductor on %s is answering", host)
            return

    async def service_register(self, ctx: RequestContext, service: Service) -> Service:
        """Create or refresh the record of ``service`` (matched by host and binary)."""
        result: Service = await self._client.call(ctx, "service_register", service=service)
        return result

    async def service_heartbeat(self, ctx: RequestContext, service_id: int) -> Service:
        """Record that service ``service_id`` is alive now."""
        result: Service = await self._client.call(ctx, "service_heartbeat", service_id=service_id)
        return result

    async def compute_node_update(self, ctx: RequestContext, node: ComputeNode) -> ComputeNode:
        """Create or update a compute node record (matched by host and node name)."""
        result: ComputeNode = await self._client.call(ctx, "compute_node_update", node=node)
        return result


class ConductorServiceRegistry:
    """Service records kept through the conductor: how compute hosts register and heartbeat."""

    def __init__(self, conductor: ConductorAPI, ctx: RequestContext | None = None) -> None:
        self._conductor = conductor
        self._ctx = ctx or RequestContext.admin()

    async def register(self, service: Service) -> Service:
        return await self._conductor.service_register(self._ctx, service)

    async def heartbeat(self, service_id: int) -> Service:
        return await self._conductor.service_heartbeat(self._ctx, service_id)

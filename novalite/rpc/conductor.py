"""The conductor's RPC contract: what compute hosts (and others) may ask of it.

Version history of the ``conductor`` topic's API:

* 1.0 - ``ping``, ``service_register``, ``service_heartbeat``, ``compute_node_update``.
* 1.1 - the build flow (``schedule_and_build_instances``, ``build_instances``) and the
  instance object service for compute hosts (``instance_get``, ``instance_update``,
  ``instance_destroy``, ``instances_on_host``, ``instance_fault_create``,
  ``action_event_start``, ``action_event_finish``).
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from novalite.context import RequestContext
from novalite.domain.compute_node import ComputeNode
from novalite.domain.instance import Instance, InstanceFault
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.service import Service
from novalite.errors import MessagingTimeout
from novalite.rpc.client import DEFAULT_TIMEOUT, RpcClient
from novalite.rpc.transport import Transport

LOG = logging.getLogger(__name__)

TOPIC = "conductor"
VERSION = "1.1"


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
            transport, TOPIC, version="1.0", timeout=timeout, version_cap=version_cap
        )
        self._v11 = self._client.prepare(version="1.1")

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

    # -- the build flow (super-conductor) ----------------------------------------------------

    async def schedule_and_build_instances(
        self, ctx: RequestContext, request_spec: RequestSpec, instance_uuids: list[str]
    ) -> None:
        """Schedule the build requests of ``instance_uuids`` and cast their builds (API -> us)."""
        await self._v11.cast(
            ctx,
            "schedule_and_build_instances",
            request_spec=request_spec,
            instance_uuids=instance_uuids,
        )

    async def build_instances(
        self,
        ctx: RequestContext,
        instance: Instance,
        request_spec: RequestSpec,
        alternates: list[Selection],
        reason: str,
    ) -> None:
        """Reschedule ``instance`` to the next of ``alternates`` after a failed build."""
        await self._v11.cast(
            ctx,
            "build_instances",
            instance=instance,
            request_spec=request_spec,
            alternates=alternates,
            reason=reason,
        )

    # -- instance object service (cell conductor) --------------------------------------------

    async def instance_get(self, ctx: RequestContext, instance_uuid: str) -> Instance:
        """The instance as stored in this cell (raises InstanceNotFound)."""
        result: Instance = await self._v11.call(ctx, "instance_get", instance_uuid=instance_uuid)
        return result

    async def instance_update(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        updates: Mapping[str, Any],
        *,
        expected_task_state: Collection[str | None] | None = None,
        expected_vm_state: Collection[str] | None = None,
    ) -> Instance:
        """Apply ``updates`` if the current states are among the expected ones.

        Raises UnexpectedTaskState (UnexpectedDeletingTaskState when the instance is
        being deleted) or InstanceNotFound; returns the updated instance.
        """
        result: Instance = await self._v11.call(
            ctx,
            "instance_update",
            instance_uuid=instance_uuid,
            updates=dict(updates),
            expected_task_state=(
                None if expected_task_state is None else list(expected_task_state)
            ),
            expected_vm_state=None if expected_vm_state is None else list(expected_vm_state),
        )
        return result

    async def instance_destroy(self, ctx: RequestContext, instance_uuid: str) -> Instance:
        """Mark the instance deleted (vm_state ``deleted``, soft-deleted row)."""
        result: Instance = await self._v11.call(
            ctx, "instance_destroy", instance_uuid=instance_uuid
        )
        return result

    async def instances_on_host(self, ctx: RequestContext, host: str) -> list[Instance]:
        """The (not deleted) instances whose ``host`` is ``host``."""
        result: list[Instance] = await self._v11.call(ctx, "instances_on_host", host=host)
        return result

    async def instance_fault_create(self, ctx: RequestContext, fault: InstanceFault) -> None:
        """Record a fault against an instance."""
        await self._v11.call(ctx, "instance_fault_create", fault=fault)

    async def action_event_start(
        self, ctx: RequestContext, instance_uuid: str, request_id: str, event: str, host: str
    ) -> None:
        """Record that step ``event`` of the action of ``request_id`` started on ``host``."""
        await self._v11.call(
            ctx,
            "action_event_start",
            instance_uuid=instance_uuid,
            request_id=request_id,
            event=event,
            host=host,
        )

    async def action_event_finish(
        self,
        ctx: RequestContext,
        instance_uuid: str,
        request_id: str,
        event: str,
        result: str,
        *,
        traceback: str | None = None,
        details: str | None = None,
    ) -> None:
        """Record how step ``event`` ended (``Success`` or ``Error``)."""
        await self._v11.call(
            ctx,
            "action_event_finish",
            instance_uuid=instance_uuid,
            request_id=request_id,
            event=event,
            result=result,
            traceback=traceback,
            details=details,
        )


class ConductorServiceRegistry:
    """Service records kept through the conductor: how compute hosts register and heartbeat."""

    def __init__(self, conductor: ConductorAPI, ctx: RequestContext | None = None) -> None:
        self._conductor = conductor
        self._ctx = ctx or RequestContext.admin()

    async def register(self, service: Service) -> Service:
        return await self._conductor.service_register(self._ctx, service)

    async def heartbeat(self, service_id: int) -> Service:
        return await self._conductor.service_heartbeat(self._ctx, service_id)

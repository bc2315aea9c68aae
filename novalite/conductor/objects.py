"""The cell conductor's instance object service: what compute hosts read and write."""

from __future__ import annotations

from typing import Any

from novalite.conductor.ports import ActionStore, InstanceStore
from novalite.context import RequestContext
from novalite.domain.instance import Instance, InstanceFault
from novalite.rpc import conductor as conductor_rpc
from novalite.rpc import expose


class InstanceObjectService:
    """Serves the instance calls of ``conductor`` API 1.1 over one cell's database."""

    RPC_API_VERSION = conductor_rpc.VERSION

    def __init__(self, instances: InstanceStore, actions: ActionStore) -> None:
        self._instances = instances
        self._actions = actions

    @expose
    async def instance_get(self, ctx: RequestContext, *, instance_uuid: str) -> Instance:
        """The instance as stored in the cell (InstanceNotFound)."""
        return await self._instances.get(instance_uuid)

    @expose
    async def instance_update(
        self,
        ctx: RequestContext,
        *,
        instance_uuid: str,
        updates: dict[str, Any],
        expected_task_state: list[str | None] | None = None,
        expected_vm_state: list[str] | None = None,
    ) -> Instance:
        """Apply ``updates`` if the states are the expected ones (compare-and-swap)."""
        return await self._instances.update(
            instance_uuid,
            Instance.coerce_fields(updates),
            expected_task_state=expected_task_state,
            expected_vm_state=expected_vm_state,
        )

    @expose
    async def instance_destroy(self, ctx: RequestContext, *, instance_uuid: str) -> Instance:
        """Mark the instance deleted (soft-deletes its rows)."""
        return await self._instances.destroy(instance_uuid)

    @expose
    async def instances_on_host(self, ctx: RequestContext, *, host: str) -> list[Instance]:
        """The instances (not deleted) whose ``host`` is ``host``."""
        return await self._instances.list_by_host(host)

    @expose
    async def instance_fault_create(self, ctx: RequestContext, *, fault: InstanceFault) -> None:
        """Record a fault against an instance."""
        await self._instances.add_fault(fault)

    @expose
    async def action_event_start(
        self,
        ctx: RequestContext,
        *,
        instance_uuid: str,
        request_id: str,
        event: str,
        host: str | None = None,
    ) -> None:
        """Record that step ``event`` of the action of ``request_id`` started."""
        await self._actions.event_start(instance_uuid, request_id, event, host)

    @expose
    async def action_event_finish(
        self,
        ctx: RequestContext,
        *,
        instance_uuid: str,
        request_id: str,
        event: str,
        result: str,
        traceback: str | None = None,
        details: str | None = None,
    ) -> None:
        """Record how step ``event`` ended; ``Error`` marks the action failed."""
        await self._actions.event_finish(
            instance_uuid, request_id, event, result, traceback=traceback, details=details
        )

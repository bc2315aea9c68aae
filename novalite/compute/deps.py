"""What the operations of one compute host work with, and the steps they share."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import traceback
from collections.abc import AsyncIterator, Collection, Mapping
from typing import Any

from novalite.clients.placement import PlacementClient
from novalite.compute.locks import InstanceLocks
from novalite.compute.resource_tracker import ResourceTracker
from novalite.context import RequestContext
from novalite.domain.instance import Instance, InstanceFault
from novalite.domain.states import PowerState
from novalite.errors import InstanceNotFound, NovaliteError
from novalite.rpc.conductor import ConductorAPI
from novalite.virt.driver import ComputeDriver

LOG = logging.getLogger(__name__)

#: Longest fault message nova keeps (instance_faults.message is 255 characters).
_FAULT_MESSAGE_MAX = 255


@dataclasses.dataclass(eq=False)
class HostDeps:
    """The collaborators of one compute host's operations.

    ``placement`` may be ``None`` (a host that does not report to placement):
    allocations are then left alone.
    """

    host: str
    driver: ComputeDriver
    conductor: ConductorAPI
    tracker: ResourceTracker
    placement: PlacementClient | None = None
    locks: InstanceLocks = dataclasses.field(default_factory=InstanceLocks)

    # -- instance records ------------------------------------------------------------------

    async def update(
        self,
        ctx: RequestContext,
        instance: Instance,
        updates: Mapping[str, Any],
        *,
        expected_task_state: Collection[str | None] | None = None,
        expected_vm_state: Collection[str] | None = None,
    ) -> Instance:
        """Write ``updates`` through the conductor (compare-and-swap on the states)."""
        return await self.conductor.instance_update(
            ctx,
            instance.uuid,
            updates,
            expected_task_state=expected_task_state,
            expected_vm_state=expected_vm_state,
        )

    async def add_fault(
        self,
        ctx: RequestContext,
        instance: Instance,
        exc: BaseException,
        message: str | None = None,
    ) -> None:
        """Record ``exc`` as the instance's newest fault (code 500; details for admins)."""
        text = message if message is not None else _message(exc)
        fault = InstanceFault(
            instance_uuid=instance.uuid,
            code=getattr(exc, "http_status", 500) if isinstance(exc, NovaliteError) else 500,
            message=text[:_FAULT_MESSAGE_MAX],
            details="".join(traceback.format_exception(exc)),
            host=self.host,
        )
        try:
            await self.conductor.instance_fault_create(ctx, fault)
        except Exception as err:
            LOG.warning("fault of instance %s not recorded: %s", instance.uuid, err)

    async def power_state(self, instance: Instance) -> PowerState:
        """The guest's power state, NOSTATE when the hypervisor has no such guest."""
        try:
            return (await self.driver.get_info(instance)).power_state
        except InstanceNotFound:
            return PowerState.NOSTATE

    # -- placement -------------------------------------------------------------------------

    async def delete_allocations(self, ctx: RequestContext, instance_uuid: str) -> None:
        """Free the instance's allocations in placement (consumer = instance uuid)."""
        if self.placement is None:
            return
        try:
            await self.placement.delete_allocations(instance_uuid, context=ctx)
        except NovaliteError as exc:
            LOG.error("allocations of instance %s not deleted: %s", instance_uuid, exc)

    # -- instance actions ------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def event(
        self, ctx: RequestContext, instance: Instance, name: str
    ) -> AsyncIterator[None]:
        """Record step ``name`` of the action of ``ctx.request_id`` around the body.

        The body's exception is recorded (result ``Error``, its message as details)
        and raised again. A missing action never stops the operation itself.
        """
        await self._event_call(
            self.conductor.action_event_start(ctx, instance.uuid, ctx.request_id, name, self.host),
            instance,
            name,
        )
        try:
            yield
        except Exception as exc:
            await self._event_call(
                self.conductor.action_event_finish(
                    ctx,
                    instance.uuid,
                    ctx.request_id,
                    name,
                    "Error",
                    traceback="".join(traceback.format_exception(exc)),
                    details=_message(exc),
                ),
                instance,
                name,
            )
            raise
        await self._event_call(
            self.conductor.action_event_finish(ctx, instance.uuid, ctx.request_id, name, "Success"),
            instance,
            name,
        )

    async def _event_call(self, call: Any, instance: Instance, name: str) -> None:
        try:
            await call
        except Exception as exc:
            LOG.warning("event %s of instance %s not recorded: %s", name, instance.uuid, exc)


def _message(exc: BaseException) -> str:
    if isinstance(exc, NovaliteError):
        return exc.message
    return str(exc) or type(exc).__name__

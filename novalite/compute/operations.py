"""Stop, start, reboot and terminate: the power operations and deletion on this host.

Each runs under the instance's lock, inside its instance-action event. As in
nova, a failure records a fault and clears the task_state (the guest's real
state is picked up by the power-state sync), and an instance that vanished
meanwhile ends the operation quietly.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from novalite.compute.deps import HostDeps
from novalite.context import RequestContext
from novalite.domain.instance import Instance
from novalite.domain.states import (
    HARD_REBOOT_STATES,
    SOFT_REBOOT_STATES,
    PowerState,
    TaskState,
    VmState,
)
from novalite.errors import (
    InstanceNotFound,
    InstancePowerOnFailure,
    InstanceRebootFailure,
    UnexpectedTaskState,
    UnexpectedVMState,
)
from novalite.virt.driver import REBOOT_SOFT

LOG = logging.getLogger(__name__)

EVENT_STOP = "compute_stop_instance"
EVENT_START = "compute_start_instance"
EVENT_REBOOT = "compute_reboot_instance"
EVENT_TERMINATE = "compute_terminate_instance"

_OFF = frozenset({PowerState.NOSTATE, PowerState.SHUTDOWN, PowerState.CRASHED})

Body = Callable[[HostDeps, RequestContext, Instance], Awaitable[None]]


async def run(
    deps: HostDeps,
    ctx: RequestContext,
    instance: Instance,
    event: str,
    body: Body,
    *,
    record_event: bool = True,
    on_error: dict[str, object] | None = None,
) -> None:
    """Run ``body`` as one operation on ``instance``; record its outcome, never raise.

    On failure the fault is recorded and ``on_error`` (default: task_state None)
    is written to the instance.
    """
    async with deps.locks.hold(instance.uuid):
        try:
            if record_event:
                async with deps.event(ctx, instance, event):
                    await body(deps, ctx, instance)
            else:
                await body(deps, ctx, instance)
        except InstanceNotFound:
            LOG.info("instance %s disappeared during %s", instance.uuid, event)
        except (UnexpectedTaskState, UnexpectedVMState) as exc:
            LOG.info("%s of instance %s not done: %s", event, instance.uuid, exc)
        except Exception as exc:
            LOG.error("%s of instance %s failed: %s", event, instance.uuid, exc)
            await deps.add_fault(ctx, instance, exc)
            try:
                await deps.update(ctx, instance, on_error or {"task_state": None})
            except Exception as err:
                LOG.warning("task_state of instance %s not reverted: %s", instance.uuid, err)


async def stop(deps: HostDeps, ctx: RequestContext, instance: Instance) -> None:
    """Power the guest off: vm_state stopped, power_state shutdown, task_state None."""
    current = await deps.power_state(instance)
    expected: list[str | None] = [TaskState.POWERING_OFF]
    if current in _OFF:
        expected.append(None)
    else:
        await deps.driver.power_off(instance)
    await deps.update(
        ctx,
        instance,
        {
            "power_state": await deps.power_state(instance),
            "vm_state": VmState.STOPPED,
            "task_state": None,
        },
        expected_task_state=expected,
    )


async def start(deps: HostDeps, ctx: RequestContext, instance: Instance) -> None:
    """Power the guest on: vm_state active, power_state running, task_state None."""
    if await deps.power_state(instance) == PowerState.NOSTATE:
        raise InstancePowerOnFailure(reason="the guest does not exist on this host")
    await deps.driver.power_on(instance)
    await deps.update(
        ctx,
        instance,
        {
            "power_state": await deps.power_state(instance),
            "vm_state": VmState.ACTIVE,
            "task_state": None,
        },
        expected_task_state=[TaskState.POWERING_ON],
    )


def reboot(reboot_type: str) -> Body:
    """The body of a ``SOFT`` or ``HARD`` reboot (task states as nova's)."""

    async def body(deps: HostDeps, ctx: RequestContext, instance: Instance) -> None:
        await _reboot(deps, ctx, instance, reboot_type)

    return body


async def _reboot(
    deps: HostDeps, ctx: RequestContext, instance: Instance, reboot_type: str
) -> None:
    soft = reboot_type == REBOOT_SOFT
    pending, started, allowed = (
        (TaskState.REBOOT_PENDING, TaskState.REBOOT_STARTED, SOFT_REBOOT_STATES)
        if soft
        else (TaskState.REBOOT_PENDING_HARD, TaskState.REBOOT_STARTED_HARD, HARD_REBOOT_STATES)
    )
    instance = await deps.update(
        ctx,
        instance,
        {"task_state": pending, "power_state": await deps.power_state(instance)},
        expected_task_state=list(allowed),
    )
    if instance.power_state != PowerState.RUNNING:
        LOG.warning(
            "rebooting instance %s that is not running (power state %s)",
            instance.uuid,
            instance.power_state,
        )
    new_vm_state = VmState.RESCUED if instance.vm_state == VmState.RESCUED else VmState.ACTIVE
    instance = await deps.update(
        ctx, instance, {"task_state": started}, expected_task_state=[pending]
    )
    try:
        if await deps.power_state(instance) == PowerState.NOSTATE:
            raise InstanceRebootFailure(reason="the guest does not exist on this host")
        await deps.driver.reboot(instance, reboot_type)
    except Exception as exc:
        if await deps.power_state(instance) != PowerState.RUNNING:
            LOG.error("cannot reboot instance %s: %s", instance.uuid, exc)
            raise
        LOG.warning("reboot of instance %s failed but it is running: %s", instance.uuid, exc)
        await deps.add_fault(ctx, instance, exc)
    await deps.update(
        ctx,
        instance,
        {
            "power_state": await deps.power_state(instance),
            "vm_state": new_vm_state,
            "task_state": None,
        },
    )


async def terminate(deps: HostDeps, ctx: RequestContext, instance: Instance) -> None:
    """Destroy the guest, free its allocations, mark the instance deleted, stop counting it."""
    await deps.driver.destroy(instance)
    await deps.delete_allocations(ctx, instance.uuid)
    try:
        await deps.conductor.instance_destroy(ctx, instance.uuid)
    except InstanceNotFound:
        LOG.info("instance %s was already deleted", instance.uuid)
    deps.tracker.drop_claim(instance.uuid)
    LOG.info("instance %s terminated on %s", instance.uuid, deps.host)


#: What a failed operation leaves in the instance (nova sets ERROR when a reboot or delete fails).
ERROR_STATE: dict[str, object] = {"vm_state": VmState.ERROR, "task_state": None}

"""At start: settle what a previous run of this host left half done (nova's ``_init_instance``).

* ``deleting`` instances are deleted;
* instances left building are put in ERROR with a fault, their guest and allocations freed;
* ``powering-off``/``powering-on`` are done again, a pending or interrupted reboot retried;
* guests whose instance is deleted or no longer on this host are destroyed.

Other mismatches between guest and record are the power-state sync's job.
"""

from __future__ import annotations

import logging

from novalite.compute import operations
from novalite.compute.deps import HostDeps
from novalite.context import RequestContext
from novalite.domain.instance import Instance
from novalite.domain.states import PowerState, TaskState, VmState
from novalite.errors import NovaliteError
from novalite.virt.driver import REBOOT_HARD, REBOOT_SOFT

LOG = logging.getLogger(__name__)

BUILD_INTERRUPTED = "Instance was left in BUILD when the compute service on {host} restarted"

_BUILD_TASKS = frozenset(
    {
        TaskState.SCHEDULING,
        TaskState.BLOCK_DEVICE_MAPPING,
        TaskState.NETWORKING,
        TaskState.SPAWNING,
    }
)
_RETRY_SOFT = frozenset({TaskState.REBOOTING, TaskState.REBOOT_PENDING})
_RETRY_HARD = frozenset({TaskState.REBOOTING_HARD, TaskState.REBOOT_PENDING_HARD})
_STARTED = frozenset({TaskState.REBOOT_STARTED, TaskState.REBOOT_STARTED_HARD})
_CLEAR_WHEN_RUNNING = frozenset({*_STARTED, TaskState.PAUSING, TaskState.UNPAUSING})


async def init_host(deps: HostDeps, ctx: RequestContext) -> list[Instance]:
    """Reconcile every instance of this host; return those still on it."""
    instances = await deps.conductor.instances_on_host(ctx, deps.host)
    deps.tracker.track_instances(instances)
    await destroy_strays(deps, {inst.uuid for inst in instances})
    remaining = []
    for instance in instances:
        try:
            if not await init_instance(deps, ctx, instance):
                remaining.append(instance)
        except NovaliteError as exc:
            LOG.error("instance %s not reconciled at start: %s", instance.uuid, exc)
            remaining.append(instance)
    return remaining


async def destroy_strays(deps: HostDeps, ours: set[str]) -> list[str]:
    """Destroy the guests whose instance is not one of ``ours``; return their uuids."""
    strays = [uuid for uuid in await deps.driver.list_instance_uuids() if uuid not in ours]
    for uuid in strays:
        LOG.warning("destroying guest %s: its instance is deleted or not on %s", uuid, deps.host)
        await deps.driver.destroy(Instance(uuid=uuid, host=deps.host))
    return strays


async def init_instance(deps: HostDeps, ctx: RequestContext, instance: Instance) -> bool:
    """Settle one instance; True when it is gone from this host afterwards."""
    task = instance.task_state
    if task == TaskState.DELETING or instance.vm_state == VmState.DELETED:
        await operations.run(
            deps,
            ctx,
            instance,
            operations.EVENT_TERMINATE,
            operations.terminate,
            record_event=False,
            on_error=operations.ERROR_STATE,
        )
        return True
    if instance.vm_state == VmState.BUILDING or task in _BUILD_TASKS:
        await _fail_build(deps, ctx, instance)
        return False
    if task == TaskState.POWERING_OFF:
        await operations.run(
            deps, ctx, instance, operations.EVENT_STOP, operations.stop, record_event=False
        )
    elif task == TaskState.POWERING_ON:
        await operations.run(
            deps, ctx, instance, operations.EVENT_START, operations.start, record_event=False
        )
    else:
        await _settle_reboot(deps, ctx, instance)
    return False


async def _fail_build(deps: HostDeps, ctx: RequestContext, instance: Instance) -> None:
    LOG.warning("instance %s was left building; setting it to ERROR", instance.uuid)
    message = BUILD_INTERRUPTED.format(host=deps.host)
    await deps.add_fault(ctx, instance, RuntimeError(message), message=message)
    await deps.driver.destroy(instance)
    deps.tracker.drop_claim(instance.uuid)
    await deps.update(ctx, instance, {"vm_state": VmState.ERROR, "task_state": None})
    await deps.delete_allocations(ctx, instance.uuid)


async def _settle_reboot(deps: HostDeps, ctx: RequestContext, instance: Instance) -> None:
    task = instance.task_state
    running = await deps.power_state(instance) == PowerState.RUNNING
    if task in _RETRY_SOFT or task in _RETRY_HARD or (task in _STARTED and not running):
        reboot_type = REBOOT_SOFT if task in _RETRY_SOFT else REBOOT_HARD
        if task in _STARTED:
            # the reboot must start again from its first state
            first = TaskState.REBOOTING_HARD
            instance = await deps.update(ctx, instance, {"task_state": first})
        LOG.info("retrying the %s reboot of instance %s", reboot_type, instance.uuid)
        await operations.run(
            deps,
            ctx,
            instance,
            operations.EVENT_REBOOT,
            operations.reboot(reboot_type),
            record_event=False,
            on_error=operations.ERROR_STATE,
        )
    elif running and task in _CLEAR_WHEN_RUNNING:
        LOG.warning("instance %s was left in %s but runs; clearing the task", instance.uuid, task)
        await deps.update(ctx, instance, {"vm_state": VmState.ACTIVE, "task_state": None})

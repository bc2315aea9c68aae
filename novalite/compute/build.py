"""Building an instance on this host: claim, spawn, and reschedule or fail.

The states move as nova's: vm_state ``building`` with task_state
scheduling/None -> ``networking`` -> ``spawning`` -> None and vm_state
``active``, each step a compare-and-swap through the conductor. A build that
fails is cleaned up on this host, then sent back to the conductor for the next
alternate; without alternates the instance ends in ERROR with a fault and its
allocations freed.
"""

from __future__ import annotations

import datetime
import logging

from novalite.compute.deps import HostDeps
from novalite.context import RequestContext
from novalite.domain.instance import Instance
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.states import TaskState, VmState
from novalite.errors import (
    BuildAbortException,
    InstanceNotFound,
    UnexpectedDeletingTaskState,
    UnexpectedTaskState,
    UnexpectedVMState,
)

LOG = logging.getLogger(__name__)

EVENT = "compute_build_and_run_instance"


#: task_states of a build in progress on this host.
_BUILD_STEPS = (TaskState.NETWORKING, TaskState.SPAWNING)


class _Disappeared(Exception):
    """The instance was deleted while it was being built."""


async def build_and_run_instance(
    deps: HostDeps,
    ctx: RequestContext,
    instance: Instance,
    *,
    request_spec: RequestSpec,
    selection: Selection,
    alternates: list[Selection],
) -> None:
    """Build ``instance`` here; every outcome is recorded, nothing is raised."""
    async with deps.locks.hold(instance.uuid):
        try:
            async with deps.event(ctx, instance, EVENT):
                await _build(
                    deps,
                    ctx,
                    instance,
                    request_spec=request_spec,
                    selection=selection,
                    alternates=alternates,
                )
        except Exception:
            LOG.debug("build of instance %s failed", instance.uuid, exc_info=True)


async def _build(
    deps: HostDeps,
    ctx: RequestContext,
    instance: Instance,
    *,
    request_spec: RequestSpec,
    selection: Selection,
    alternates: list[Selection],
) -> None:
    try:
        instance = await deps.update(
            ctx,
            instance,
            {"vm_state": VmState.BUILDING, "task_state": TaskState.NETWORKING},
            expected_task_state=[TaskState.SCHEDULING, None],
            expected_vm_state=[VmState.BUILDING],
        )
    except (InstanceNotFound, UnexpectedDeletingTaskState):
        LOG.info("instance %s was deleted before its build started", instance.uuid)
        await deps.delete_allocations(ctx, instance.uuid)
        return
    except (UnexpectedTaskState, UnexpectedVMState) as exc:
        LOG.warning("build of instance %s not started (already built?): %s", instance.uuid, exc)
        return
    try:
        await _claim_and_spawn(deps, ctx, instance, selection.nodename or instance.node)
    except _Disappeared:
        LOG.info("instance %s disappeared during its build", instance.uuid)
        await _undo(deps, instance)
        await deps.delete_allocations(ctx, instance.uuid)
    except Exception as exc:
        await _undo(deps, instance)
        await _reschedule_or_fail(
            deps, ctx, instance, request_spec=request_spec, alternates=alternates, exc=exc
        )
        raise


async def _claim_and_spawn(
    deps: HostDeps, ctx: RequestContext, instance: Instance, nodename: str | None
) -> None:
    await deps.tracker.instance_claim(instance, nodename or deps.host)
    instance = await _advance(
        deps, ctx, instance, {"task_state": TaskState.SPAWNING}, TaskState.NETWORKING
    )
    await deps.driver.spawn(instance)
    await _advance(
        deps,
        ctx,
        instance,
        {
            "vm_state": VmState.ACTIVE,
            "task_state": None,
            "power_state": await deps.power_state(instance),
            "launched_at": datetime.datetime.now(datetime.UTC),
            "launched_on": deps.host,
        },
        TaskState.SPAWNING,
    )
    LOG.info("instance %s built on %s", instance.uuid, deps.host)


async def _advance(
    deps: HostDeps,
    ctx: RequestContext,
    instance: Instance,
    updates: dict[str, object],
    expected: TaskState,
) -> Instance:
    try:
        return await deps.update(ctx, instance, updates, expected_task_state=[expected])
    except (InstanceNotFound, UnexpectedDeletingTaskState) as exc:
        raise _Disappeared() from exc


async def _undo(deps: HostDeps, instance: Instance) -> None:
    try:
        await deps.driver.destroy(instance)
    except Exception:
        LOG.exception("guest of instance %s not cleaned up after its failed build", instance.uuid)
    deps.tracker.drop_claim(instance.uuid)


async def _reschedule_or_fail(
    deps: HostDeps,
    ctx: RequestContext,
    instance: Instance,
    *,
    request_spec: RequestSpec,
    alternates: list[Selection],
    exc: Exception,
) -> None:
    reason = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if alternates:
        updates: dict[str, object] = {"task_state": TaskState.SCHEDULING}
    else:
        LOG.error("build of instance %s on %s failed: %s", instance.uuid, deps.host, reason)
        abort = BuildAbortException(instance_uuid=instance.uuid, reason=reason)
        await deps.add_fault(ctx, instance, exc, message=abort.message)
        updates = {"vm_state": VmState.ERROR, "task_state": None}
    try:
        instance = await deps.update(
            ctx,
            instance,
            {**updates, "host": None, "node": None},
            expected_task_state=_BUILD_STEPS,
        )
    except (InstanceNotFound, UnexpectedTaskState, UnexpectedVMState) as err:
        LOG.info("instance %s changed during its failed build: %s", instance.uuid, err)
        await deps.delete_allocations(ctx, instance.uuid)
        return
    await deps.delete_allocations(ctx, instance.uuid)
    if alternates:
        LOG.info(
            "build of instance %s on %s failed, rescheduling: %s", instance.uuid, deps.host, reason
        )
        await deps.conductor.build_instances(ctx, instance, request_spec, alternates, reason)

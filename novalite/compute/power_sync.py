"""The power-state sync: make the records agree with the hypervisor (nova's ``_sync_power_states``).

Only instances with no task in progress are looked at, each under its lock,
and every write expects task_state None, so an operation that started
meanwhile wins. The guest's power state is recorded; an ``active`` instance
whose guest is off becomes ``stopped``; a ``stopped`` instance whose guest
runs is powered off, as nova's stop API would.
"""

from __future__ import annotations

import logging

from novalite.compute.deps import HostDeps
from novalite.context import RequestContext
from novalite.domain.instance import Instance
from novalite.domain.states import PowerState, VmState
from novalite.errors import InstanceNotFound, UnexpectedTaskState, UnexpectedVMState

LOG = logging.getLogger(__name__)

_OFF = frozenset({PowerState.SHUTDOWN, PowerState.CRASHED})
_NOT_RUNNING = frozenset({PowerState.NOSTATE, *_OFF})


async def sync_power_states(deps: HostDeps, ctx: RequestContext) -> int:
    """Sync every instance of this host; return how many needed a change."""
    instances = await deps.conductor.instances_on_host(ctx, deps.host)
    changed = 0
    for instance in instances:
        if instance.task_state is not None:
            continue
        try:
            async with deps.locks.hold(instance.uuid):
                changed += await sync_instance(deps, ctx, instance)
        except (InstanceNotFound, UnexpectedTaskState, UnexpectedVMState) as exc:
            LOG.debug("power state of instance %s not synced: %s", instance.uuid, exc)
        except Exception:
            LOG.exception("power state of instance %s not synced", instance.uuid)
    return changed


async def sync_instance(deps: HostDeps, ctx: RequestContext, instance: Instance) -> int:
    """Sync one instance (the caller holds its lock); 1 if it needed a change, else 0."""
    vm_power = await deps.power_state(instance)
    updates: dict[str, object] = {}
    acted = 0
    if instance.vm_state == VmState.ACTIVE and vm_power in _OFF:
        LOG.warning(
            "instance %s is active but its guest is %s: marking it stopped",
            instance.uuid,
            vm_power.name,
        )
        updates = {"vm_state": VmState.STOPPED, "power_state": PowerState.SHUTDOWN}
    elif instance.vm_state == VmState.STOPPED and vm_power not in _NOT_RUNNING:
        LOG.warning("instance %s is stopped but its guest runs: powering it off", instance.uuid)
        await deps.driver.power_off(instance)
        acted = 1
        updates = {"power_state": await deps.power_state(instance)}
    elif instance.power_state != vm_power:
        updates = {"power_state": vm_power}
    if not updates or all(getattr(instance, k) == v for k, v in updates.items()):
        return acted
    await deps.update(ctx, instance, updates, expected_task_state=[None])
    return 1

"""State-changing operations on a server in its cell: check, compare-and-swap, record, cast.

Each operation (stop, start, reboot) follows nova's compute API: the lock and state
checks of :data:`novalite.domain.states.OPERATIONS`, the task_state set atomically with
the expected states, the instance action recorded under the API request's id, then a
cast to the compute host that owns the server.
"""

from __future__ import annotations

import dataclasses
import enum

from novalite.api.cells import CellRouter
from novalite.api.server_lookup import Located
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.db.repositories.instance_actions import InstanceActionRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.cell import CellMapping
from novalite.domain.instance import (
    ACTION_REBOOT,
    ACTION_START,
    ACTION_STOP,
    Instance,
    InstanceAction,
)
from novalite.domain.states import OPERATIONS, InstanceInvalidState, Operation
from novalite.errors import InstanceIsLocked, InstanceNotReady
from novalite.rpc.compute import REBOOT_HARD, REBOOT_SOFT


async def record_action(
    ctx: RequestContext, cell_db: Database, instance: Instance, action: str
) -> InstanceAction:
    """Record that ``action`` started on ``instance`` under the request's id."""
    return await InstanceActionRepository(cell_db).action_start(
        InstanceAction(
            action=action,
            instance_uuid=instance.uuid,
            request_id=ctx.request_id,
            user_id=ctx.user_id,
            project_id=ctx.project_id,
        )
    )


def check_lock(ctx: RequestContext, instance: Instance) -> None:
    """409 InstanceIsLocked when a non-admin acts on a locked server."""
    if instance.locked and not ctx.is_admin:
        raise InstanceIsLocked(instance_uuid=instance.uuid)


class ServerOperations:
    """stop / start / reboot of servers that live in a cell."""

    def __init__(self, cells: CellRouter) -> None:
        self._cells = cells

    async def stop(self, ctx: RequestContext, located: Located) -> None:
        """``os-stop``: task_state powering-off, action ``stop``, cast ``stop_instance``."""
        instance, cell = await self._begin(ctx, located, OPERATIONS["stop"], ACTION_STOP)
        await self._cells.compute(cell).stop_instance(ctx, instance)

    async def start(self, ctx: RequestContext, located: Located) -> None:
        """``os-start``: task_state powering-on, action ``start``, cast ``start_instance``."""
        instance, cell = await self._begin(ctx, located, OPERATIONS["start"], ACTION_START)
        await self._cells.compute(cell).start_instance(ctx, instance)

    async def reboot(self, ctx: RequestContext, located: Located, reboot_type: str) -> None:
        """``reboot`` SOFT or HARD: the matching task_state, action ``reboot``, cast."""
        hard = reboot_type.upper() == REBOOT_HARD
        operation = OPERATIONS["reboot_hard" if hard else "reboot_soft"]
        instance, cell = await self._begin(ctx, located, operation, ACTION_REBOOT)
        await self._cells.compute(cell).reboot_instance(
            ctx, instance, REBOOT_HARD if hard else REBOOT_SOFT
        )

    async def _begin(
        self, ctx: RequestContext, located: Located, operation: Operation, action: str
    ) -> tuple[Instance, CellMapping]:
        instance = located.instance
        if operation.checks_lock:
            check_lock(ctx, instance)
        named = dataclasses.replace(operation, action=action)
        named.check(instance.uuid, instance.vm_state, instance.task_state)
        if operation.must_have_launched and instance.launched_at is None:
            raise InstanceInvalidState(
                action=action, uuid=instance.uuid, attr="launched_at", state=None
            )
        cell = located.cell
        if cell is None or not instance.host:
            raise InstanceNotReady(instance_uuid=instance.uuid)
        db = self._cells.database(cell)
        updated = await InstanceRepository(db, cell.uuid).update(
            instance.uuid,
            {"task_state": _value(operation.sets_task_state), "progress": 0},
            expected_task_state=(
                None
                if operation.task_states is None
                else [_value(t) for t in operation.task_states]
            ),
            expected_vm_state=(
                None if operation.vm_states is None else [v.value for v in operation.vm_states]
            ),
        )
        await record_action(ctx, db, updated, action)
        return updated, cell


def _value(state: enum.StrEnum | None) -> str | None:
    return None if state is None else state.value

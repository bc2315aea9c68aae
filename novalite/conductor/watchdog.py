"""The watchdog: no instance stays in a task, and no build request waits, forever.

Every run looks at each cell (cell0 excepted) for instances whose task_state is older
than its deadline (:data:`novalite.domain.states.TASK_DEADLINES`) and acts as the
deadline says; then at the build requests older than the build deadline that were
never given a cell (a conductor died in the middle of a build) and buries them in cell0.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable, Mapping

from novalite.conductor.bury import CellZeroBurial
from novalite.conductor.faults import fault_from_exception
from novalite.conductor.ports import (
    Allocations,
    BuildRequestStore,
    Cells,
    InstanceMappingStore,
    InstanceStore,
)
from novalite.context import RequestContext
from novalite.domain.cell import CellMapping
from novalite.domain.instance import Instance
from novalite.domain.states import (
    TASK_DEADLINES,
    OnExpiry,
    TaskDeadline,
    TaskState,
    VmState,
)
from novalite.errors import (
    BuildRequestTimedOut,
    InstanceMappingNotFound,
    InstanceNotFound,
    TaskTimedOut,
    UnexpectedTaskState,
)
from novalite.service.periodic import PeriodicTask

LOG = logging.getLogger(__name__)

#: Seconds between two runs of the watchdog.
DEFAULT_INTERVAL = 60.0

Clock = Callable[[], datetime.datetime]


def _utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _seconds(value: float) -> str:
    return f"{value:g}"


class Watchdog:
    """Finds what is past its deadline and ends it: ERROR, cleared task, or deleted.

    ``deadlines`` (task_state -> :class:`TaskDeadline`) defaults to
    :data:`TASK_DEADLINES`; ``build_deadline`` (seconds) to the ``scheduling`` one.
    """

    def __init__(
        self,
        *,
        cells: Cells,
        build_requests: BuildRequestStore,
        instance_mappings: InstanceMappingStore,
        placement: Allocations,
        burial: CellZeroBurial,
        deadlines: Mapping[str, TaskDeadline] | None = None,
        build_deadline: float | None = None,
        interval: float = DEFAULT_INTERVAL,
        clock: Clock = _utcnow,
    ) -> None:
        self._cells = cells
        self._build_requests = build_requests
        self._mappings = instance_mappings
        self._placement = placement
        self._burial = burial
        self._deadlines: dict[str, TaskDeadline] = {
            str(task): deadline
            for task, deadline in (TASK_DEADLINES if deadlines is None else deadlines).items()
        }
        scheduling = self._deadlines.get(TaskState.SCHEDULING, TASK_DEADLINES[TaskState.SCHEDULING])
        self._build_deadline = scheduling.seconds if build_deadline is None else build_deadline
        self._interval = interval
        self._clock = clock
        self._ctx = RequestContext.admin()

    def periodic(self, *, initial_delay: float | None = None) -> PeriodicTask:
        """The periodic task that runs :meth:`run_once` every ``interval`` seconds."""
        return PeriodicTask(
            "conductor-watchdog",
            self.run_once,
            self._interval,
            initial_delay=self._interval if initial_delay is None else initial_delay,
            fuzzy_delay=min(self._interval, 10.0),
        )

    async def run_once(self) -> None:
        """One pass over every cell, then over the build requests."""
        for cell in await self._cells.all():
            if cell.is_cell0 or cell.disabled:
                continue
            try:
                await self.expire_tasks(cell)
            except Exception:
                LOG.exception("watchdog could not check the instances of cell %s", cell.uuid)
        await self.bury_stale_build_requests()

    async def expire_tasks(self, cell: CellMapping) -> int:
        """Act on the instances of ``cell`` past their task deadline; how many were handled."""
        now = self._clock()
        cutoffs = {
            str(task): now - datetime.timedelta(seconds=deadline.seconds)
            for task, deadline in self._deadlines.items()
        }
        instances = self._cells.instances(cell)
        handled = 0
        for instance in await instances.list_in_task_past(cutoffs):
            task_state = instance.task_state
            deadline = self._deadlines.get(task_state or "")
            if task_state is None or deadline is None:
                continue
            try:
                await self._expire(instances, instance, task_state, deadline)
            except (InstanceNotFound, UnexpectedTaskState) as exc:
                LOG.info("instance %s moved on meanwhile: %s", instance.uuid, exc)
                continue
            handled += 1
        return handled

    async def _expire(
        self, instances: InstanceStore, instance: Instance, task_state: str, deadline: TaskDeadline
    ) -> None:
        LOG.warning(
            "instance %s has been in task %s longer than %s s: %s",
            instance.uuid,
            task_state,
            _seconds(deadline.seconds),
            deadline.on_expiry,
        )
        if deadline.on_expiry is OnExpiry.FINISH_DELETE:
            await self._placement.delete_allocations(instance.uuid, context=self._ctx)
            await instances.destroy(instance.uuid)
            return
        if deadline.on_expiry is OnExpiry.CLEAR_TASK:
            await instances.update(
                instance.uuid, {"task_state": None}, expected_task_state=[task_state]
            )
            return
        await instances.update(
            instance.uuid,
            {"vm_state": VmState.ERROR, "task_state": None},
            expected_task_state=[task_state],
        )
        error = TaskTimedOut(task_state=task_state, seconds=_seconds(deadline.seconds))
        await instances.add_fault(fault_from_exception(instance.uuid, error, instance.host))

    async def bury_stale_build_requests(self) -> int:
        """Bury in cell0 the build requests past the build deadline that have no cell."""
        cutoff = self._clock() - datetime.timedelta(seconds=self._build_deadline)
        stale = [
            br
            for br in await self._build_requests.list()
            if br.created_at is not None and br.created_at < cutoff
        ]
        buried = 0
        for build_request in stale:
            try:
                buried += await self._end_stale(build_request.instance_uuid)
            except Exception:
                LOG.exception(
                    "watchdog could not end the build request of %s", build_request.instance_uuid
                )
        return buried

    async def _end_stale(self, uuid: str) -> int:
        """Drop or bury one stale build request; 1 if it was buried."""
        try:
            mapping = await self._mappings.get(uuid)
        except InstanceMappingNotFound:
            LOG.warning("build request of %s has no instance mapping: dropping it", uuid)
            await self._build_requests.delete(uuid)
            return 0
        if mapping.cell_uuid:
            LOG.info(
                "instance %s is in cell %s: dropping its build request", uuid, mapping.cell_uuid
            )
            await self._build_requests.delete(uuid)
            return 0
        await self._placement.delete_allocations(uuid, context=self._ctx)
        error = BuildRequestTimedOut(instance_uuid=uuid, seconds=_seconds(self._build_deadline))
        return 0 if await self._burial.bury(self._ctx, uuid, error) is None else 1

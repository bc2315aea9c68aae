"""Putting the super-conductor together from its dependencies (for ``novalite.cmd``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from novalite.conductor.build import BuildFlow, ComputeAPIFor, ComputeTaskManager
from novalite.conductor.bury import CellZeroBurial
from novalite.conductor.ports import (
    Allocations,
    BuildRequestStore,
    Cells,
    InstanceMappingStore,
    ServerGroupStore,
)
from novalite.conductor.reschedule import Rescheduler
from novalite.conductor.watchdog import DEFAULT_INTERVAL, Watchdog
from novalite.domain.states import TaskDeadline
from novalite.rpc.scheduler import SchedulerAPI


@dataclasses.dataclass(frozen=True)
class SuperConductor:
    """The endpoint to serve on the ``conductor`` topic and the watchdog to run."""

    endpoint: ComputeTaskManager
    watchdog: Watchdog


def super_conductor(
    *,
    host: str,
    cells: Cells,
    build_requests: BuildRequestStore,
    instance_mappings: InstanceMappingStore,
    server_groups: ServerGroupStore,
    scheduler: SchedulerAPI,
    compute_api_for: ComputeAPIFor,
    placement: Allocations,
    deadlines: Mapping[str, TaskDeadline] | None = None,
    build_deadline: float | None = None,
    watchdog_interval: float = DEFAULT_INTERVAL,
) -> SuperConductor:
    """The build flow, the reschedules and the watchdog, sharing their dependencies."""
    burial = CellZeroBurial(cells, build_requests, host=host)
    build = BuildFlow(
        host=host,
        scheduler=scheduler,
        compute_api_for=compute_api_for,
        placement=placement,
        cells=cells,
        build_requests=build_requests,
        instance_mappings=instance_mappings,
        server_groups=server_groups,
        burial=burial,
    )
    reschedule = Rescheduler(compute_api_for=compute_api_for, placement=placement, cells=cells)
    watchdog = Watchdog(
        cells=cells,
        build_requests=build_requests,
        instance_mappings=instance_mappings,
        placement=placement,
        burial=burial,
        deadlines=deadlines,
        build_deadline=build_deadline,
        interval=watchdog_interval,
    )
    return SuperConductor(endpoint=ComputeTaskManager(build, reschedule), watchdog=watchdog)

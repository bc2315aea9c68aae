"""The compute manager: the life of one compute host's service and its RPC endpoint."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from novalite.clients.placement import PlacementClient
from novalite.compute import build, operations, power_sync, reconcile
from novalite.compute.deps import HostDeps
from novalite.compute.resource_tracker import ResourceTracker
from novalite.context import RequestContext
from novalite.domain.instance import Instance
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.rpc import compute as compute_rpc
from novalite.rpc import expose
from novalite.rpc.conductor import ConductorAPI
from novalite.service.periodic import PeriodicTask
from novalite.service.report import ServiceReporter
from novalite.virt.driver import ComputeDriver

LOG = logging.getLogger(__name__)

#: Seconds between two runs of a periodic task whose interval option is 0 (nova's default).
DEFAULT_PERIODIC_SPACING = 60.0


class ComputeManager:
    """Serves ``compute.<host>`` and keeps the host reported.

    At start it prepares the driver, registers the service record (through
    the conductor), reports the host's nodes (records and placement), settles
    what a previous run left half done, then runs its periodic tasks: the
    resource update every ``update_resources_interval`` seconds and the
    power-state sync every ``sync_power_state_interval`` seconds (0: every
    :data:`DEFAULT_PERIODIC_SPACING` seconds; negative: disabled). Every RPC
    method is a cast: outcomes are recorded on the instance, never raised.
    """

    RPC_API_VERSION = compute_rpc.VERSION

    def __init__(
        self,
        host: str,
        driver: ComputeDriver,
        reporter: ServiceReporter,
        tracker: ResourceTracker,
        *,
        update_resources_interval: float = 60.0,
        sync_power_state_interval: float = 600.0,
        conductor: ConductorAPI | None = None,
        placement: PlacementClient | None = None,
        max_concurrent_builds: int = 10,
    ) -> None:
        self.host = host
        self.driver = driver
        self._reporter = reporter
        self._tracker = tracker
        self.deps = HostDeps(
            host=host,
            driver=driver,
            conductor=conductor or tracker.conductor,
            tracker=tracker,
            placement=placement,
        )
        self._builds = asyncio.Semaphore(max_concurrent_builds) if max_concurrent_builds else None
        self._periodics: list[PeriodicTask] = []
        for name, func, interval in (
            (
                "update_available_resource",
                self._update_available_resource,
                update_resources_interval,
            ),
            ("sync_power_states", self.sync_power_states, sync_power_state_interval),
        ):
            if interval < 0:
                continue
            spacing = interval or DEFAULT_PERIODIC_SPACING
            self._periodics.append(
                PeriodicTask(f"{name}:{host}", func, spacing, initial_delay=spacing)
            )

    @property
    def name(self) -> str:
        return f"compute manager on {self.host}"

    @property
    def tracker(self) -> ResourceTracker:
        """This host's resource tracker."""
        return self._tracker

    async def start(self) -> None:
        await self.driver.init_host(self.host)
        await self._reporter.start()
        ctx = RequestContext.admin()
        try:
            await reconcile.init_host(self.deps, ctx)
        except Exception:
            LOG.exception("instances of %s not reconciled at start", self.host)
        await self._update_available_resource()
        for periodic in self._periodics:
            await periodic.start()

    async def stop(self, grace: float) -> None:
        # One grace period for all: the periodics and the heartbeat stop together.
        await asyncio.gather(
            *(periodic.stop(grace) for periodic in self._periodics), self._reporter.stop(grace)
        )
        await self.driver.cleanup_host()

    # -- RPC API (casts) --------------------------------------------------------------------

    @expose
    async def build_and_run_instance(
        self,
        ctx: RequestContext,
        *,
        instance: Instance,
        request_spec: RequestSpec,
        selection: Selection,
        alternates: list[Selection],
    ) -> None:
        """Build ``instance`` here (its allocation in ``selection`` is already claimed)."""
        async with self._build_slot():
            await build.build_and_run_instance(
                self.deps,
                ctx,
                instance,
                request_spec=request_spec,
                selection=selection,
                alternates=alternates,
            )

    @expose
    async def stop_instance(self, ctx: RequestContext, *, instance: Instance) -> None:
        """Power the guest off (the API set task_state ``powering-off``)."""
        await operations.run(self.deps, ctx, instance, operations.EVENT_STOP, operations.stop)

    @expose
    async def start_instance(self, ctx: RequestContext, *, instance: Instance) -> None:
        """Power the guest on (the API set task_state ``powering-on``)."""
        await operations.run(self.deps, ctx, instance, operations.EVENT_START, operations.start)

    @expose
    async def reboot_instance(
        self, ctx: RequestContext, *, instance: Instance, reboot_type: str
    ) -> None:
        """Reboot the guest, ``SOFT`` or ``HARD``."""
        await operations.run(
            self.deps,
            ctx,
            instance,
            operations.EVENT_REBOOT,
            operations.reboot(reboot_type),
            on_error=operations.ERROR_STATE,
        )

    @expose
    async def terminate_instance(self, ctx: RequestContext, *, instance: Instance) -> None:
        """Destroy the guest, free its allocations and mark the instance deleted."""
        await operations.run(
            self.deps,
            ctx,
            instance,
            operations.EVENT_TERMINATE,
            operations.terminate,
            on_error=operations.ERROR_STATE,
        )

    # -- periodic tasks ---------------------------------------------------------------------

    async def sync_power_states(self) -> None:
        """Make the instance records agree with the hypervisor's power states."""
        await power_sync.sync_power_states(self.deps, RequestContext.admin())

    async def _update_available_resource(self) -> None:
        service_id = self._reporter.service.id
        assert service_id is not None
        await self._tracker.update_available_resource(RequestContext.admin(), service_id)

    @contextlib.asynccontextmanager
    async def _build_slot(self) -> AsyncIterator[None]:
        if self._builds is None:
            yield
            return
        async with self._builds:
            yield

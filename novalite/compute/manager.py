"""The compute manager: the life of one compute host's service."""

from __future__ import annotations

import logging

from novalite.compute.resource_tracker import ResourceTracker
from novalite.context import RequestContext
from novalite.service.periodic import PeriodicTask
from novalite.service.report import ServiceReporter
from novalite.virt.driver import ComputeDriver

LOG = logging.getLogger(__name__)


class ComputeManager:
    """Brings a compute host up and keeps it reported.

    At start it prepares the driver, registers the service record (through
    the conductor) and reports the host's nodes at once, so that host
    discovery can map it; then it re-reports every
    ``update_resources_interval`` seconds.
    """

    RPC_API_VERSION = "1.0"

    def __init__(
        self,
        host: str,
        driver: ComputeDriver,
        reporter: ServiceReporter,
        tracker: ResourceTracker,
        *,
        update_resources_interval: float = 60.0,
    ) -> None:
        self.host = host
        self.driver = driver
        self._reporter = reporter
        self._tracker = tracker
        self._periodic = PeriodicTask(
            "update_available_resource",
            self._update_available_resource,
            update_resources_interval,
            initial_delay=update_resources_interval,
        )

    @property
    def name(self) -> str:
        return f"compute manager on {self.host}"

    async def start(self) -> None:
        await self.driver.init_host(self.host)
        await self._reporter.start()
        await self._update_available_resource()
        await self._periodic.start()

    async def stop(self, grace: float) -> None:
        await self._periodic.stop(grace)
        await self._reporter.stop(grace)
        await self.driver.cleanup_host()

    async def _update_available_resource(self) -> None:
        service_id = self._reporter.service.id
        assert service_id is not None
        await self._tracker.update_available_resource(RequestContext.admin(), service_id)

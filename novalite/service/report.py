"""Service records and heartbeats.

Every service registers itself (host, binary, topic, version) and then
heartbeats every ``report_interval`` seconds. Where the record lives is the
registry's business: services with database access write it directly; compute
hosts go through the conductor.
"""

from __future__ import annotations

import logging
from typing import Protocol

from novalite.domain.service import Service
from novalite.service.periodic import PeriodicTask

LOG = logging.getLogger(__name__)


class ServiceRegistry(Protocol):
    """Where service records are kept."""

    async def register(self, service: Service) -> Service:
        """Create the record for ``service`` (or refresh the existing one) and return it."""
        ...

    async def heartbeat(self, service_id: int) -> Service:
        """Record that the service is alive now; return the updated record."""
        ...


class ServiceReporter:
    """Registers a service at start and heartbeats it until stopped.

    A heartbeat that fails (database or conductor unreachable) is logged and
    retried at the next interval; the service carries on, and others will see
    it as down until a heartbeat gets through again.
    """

    def __init__(self, registry: ServiceRegistry, service: Service, report_interval: float) -> None:
        self._registry = registry
        self._service = service
        self._periodic = PeriodicTask(
            f"heartbeat:{service.binary}",
            self._beat,
            report_interval,
            initial_delay=report_interval,
        )
        self._failing = False

    @property
    def name(self) -> str:
        return f"service record {self._service.binary}@{self._service.host}"

    @property
    def service(self) -> Service:
        """The service record as last seen."""
        return self._service

    async def start(self) -> None:
        self._service = await self._registry.register(self._service)
        LOG.info(
            "registered service %s on host %s (id %s, topic %s)",
            self._service.binary,
            self._service.host,
            self._service.id,
            self._service.topic,
        )
        await self._periodic.start()

    async def stop(self, grace: float) -> None:
        await self._periodic.stop(grace)

    async def _beat(self) -> None:
        assert self._service.id is not None
        try:
            self._service = await self._registry.heartbeat(self._service.id)
        except Exception as exc:
            if not self._failing:
                LOG.error("heartbeat of %s failed: %s", self._service.binary, exc)
            self._failing = True
            return
        if self._failing:
            LOG.info("heartbeat of %s recovered", self._service.binary)
        self._failing = False

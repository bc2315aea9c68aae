"""Service records kept directly in a cell database (for services that have database access)."""

from __future__ import annotations

from novalite.db.repositories.services import ServiceRepository
from novalite.domain.service import Service
from novalite.errors import DBDuplicateEntry, ServiceNotFound


class DatabaseServiceRegistry:
    """Registers and heartbeats services in the ``services`` table of one cell database."""

    def __init__(self, services: ServiceRepository) -> None:
        self._services = services

    async def register(self, service: Service) -> Service:
        """Create the record, or refresh topic and version of the live one for (host, binary).

        The record keeps its id, uuid, report count and disabled state across
        restarts, as nova's does.
        """
        try:
            existing = await self._services.get_by_host_and_binary(service.host, service.binary)
        except ServiceNotFound:
            try:
                return await self._services.create(service)
            except DBDuplicateEntry:
                existing = await self._services.get_by_host_and_binary(service.host, service.binary)
        if existing.topic != service.topic:
            existing.topic = service.topic
        if existing.version != service.version:
            existing.version = service.version
        return await self._services.save(existing)

    async def heartbeat(self, service_id: int) -> Service:
        """Record that service ``service_id`` is alive now."""
        return await self._services.heartbeat(service_id)

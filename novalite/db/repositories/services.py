"""Services (cell database): service records and their heartbeats.

Soft-deleted as in nova: a destroyed service keeps its row with ``deleted`` set
to its id, so the same (host, binary) can register again. Reads never return
deleted services.
"""

from __future__ import annotations

import builtins
from typing import Any

from sqlalchemy import ColumnElement, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import cell as models
from novalite.db.models.base import utcnow
from novalite.db.repositories._common import (
    changed_values,
    live,
    row_values,
    soft_delete_values,
    to_domain,
    update_live_row,
)
from novalite.domain.service import Service
from novalite.errors import Invalid, ServiceNotFound

_Row = models.Service


class ServiceRepository:
    """Reads and writes ``services`` in a cell database.

    ``compute_binary`` names the compute service's binary: destroying such a
    service also soft-deletes the compute nodes of its host, as nova does.
    """

    def __init__(self, db: Database, *, compute_binary: str = "nova-compute") -> None:
        self._db = db
        self._compute_binary = compute_binary

    async def create(self, service: Service) -> Service:
        """Insert ``service`` and return it as stored.

        DBDuplicateEntry when a live service already has the same (host, binary)
        or (host, topic), or the same uuid.
        """

        async def insert(session: AsyncSession) -> Service:
            row = _Row(**row_values(_Row, service.as_dict()))
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return to_domain(Service, row)

        return await self._db.write(insert)

    async def get_by_id(self, service_id: int) -> Service:
        """The live service ``service_id``, else ServiceNotFound."""
        return await self._db.read(_get, _Row.id == service_id, str(service_id))

    async def get_by_uuid(self, uuid: str) -> Service:
        """The live service with ``uuid``, else ServiceNotFound."""
        return await self._db.read(_get, _Row.uuid == uuid, uuid)

    async def get_by_host_and_binary(self, host: str, binary: str) -> Service:
        """The live ``binary`` service on ``host``, else ServiceNotFound."""
        return await self._db.read(
            _get, (_Row.host == host) & (_Row.binary == binary), f"{binary} on host {host}"
        )

    async def list(
        self,
        host: str | None = None,
        binary: str | None = None,
        topic: str | None = None,
        include_disabled: bool = True,
    ) -> builtins.list[Service]:
        """Live services matching every given filter, ordered by id."""
        stmt = select(_Row).where(live(_Row)).order_by(_Row.id)
        if host is not None:
            stmt = stmt.where(_Row.host == host)
        if binary is not None:
            stmt = stmt.where(_Row.binary == binary)
        if topic is not None:
            stmt = stmt.where(_Row.topic == topic)
        if not include_disabled:
            stmt = stmt.where(_Row.disabled.is_not(True))
        return await self._db.read(_all, stmt)

    async def save(self, service: Service) -> Service:
        """Write the fields of ``service`` that changed (``service.changes()``), and only those.

        ``service`` is updated in place (``updated_at``), its changes are reset,
        and it is returned. ServiceNotFound if it was destroyed meanwhile;
        DBDuplicateEntry if the change collides with another live service.
        """
        if service.id is None:
            raise Invalid(reason="cannot save a service that was never created")
        service_id = service.id
        values = changed_values(service, _Row)
        if not values:
            service.reset_changes()
            return service
        values["updated_at"] = utcnow()

        async def write(session: AsyncSession) -> Service:
            if not await update_live_row(session, _Row, service_id, values):
                raise ServiceNotFound(service_id=service_id)
            return await _get(session, _Row.id == service_id, str(service_id))

        stored = await self._db.write(write)
        service.updated_at = stored.updated_at
        service.reset_changes()
        return service

    async def heartbeat(self, service_id: int) -> Service:
        """Record that the service is alive and return it as stored.

        In one statement: ``report_count`` is incremented (atomically: concurrent
        heartbeats are all counted) and ``last_seen_up``/``updated_at`` are set to
        now. ServiceNotFound if the service is not live.
        """
        now = utcnow()
        values = {"report_count": _Row.report_count + 1, "last_seen_up": now, "updated_at": now}

        async def beat(session: AsyncSession) -> Service:
            if not await update_live_row(session, _Row, service_id, values):
                raise ServiceNotFound(service_id=service_id)
            return await _get(session, _Row.id == service_id, str(service_id))

        return await self._db.write(beat)

    async def destroy(self, service_id: int) -> None:
        """Soft-delete the service (and, for a compute service, its host's compute nodes).

        ServiceNotFound if the service is not live.
        """

        async def remove(session: AsyncSession) -> None:
            row = await session.scalar(select(_Row).where(_Row.id == service_id, live(_Row)))
            if row is None:
                raise ServiceNotFound(service_id=service_id)
            await update_live_row(session, _Row, service_id, soft_delete_values(_Row))
            if row.binary == self._compute_binary and row.host is not None:
                nodes = models.ComputeNode
                await session.execute(
                    update(nodes)
                    .where(nodes.host == row.host, live(nodes))
                    .values(**soft_delete_values(nodes))
                )

        await self._db.write(remove)


async def _get(session: AsyncSession, condition: ColumnElement[bool], described: str) -> Service:
    row = await session.scalar(select(_Row).where(condition, live(_Row)))
    if row is None:
        raise ServiceNotFound(service_id=described)
    return to_domain(Service, row)


async def _all(session: AsyncSession, stmt: Select[Any]) -> list[Service]:
    return [to_domain(Service, row) for row in await session.scalars(stmt)]

"""Build requests (API database): instances accepted by the API, not yet created in a cell.

The instance is stored as its primitive (JSON); it comes back with the build
request's ``created_at`` when it had none, so that listings can sort it with the
instances of the cells.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.models.base import core_table
from novalite.db.repositories._common import insert_rows
from novalite.db.repositories.instance_mappings import new_mapping_row, set_cell_in
from novalite.db.repositories.request_specs import spec_row
from novalite.domain.instance import BuildRequest, Instance, InstanceMapping
from novalite.domain.request_spec import RequestSpec
from novalite.errors import BuildRequestAlreadyExists, BuildRequestNotFound, DBDuplicateEntry

_Row = models.BuildRequest
_CHUNK = 500


class BuildRequestRepository:
    """Reads and writes ``build_requests`` in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, build_request: BuildRequest) -> BuildRequest:
        """Insert ``build_request``; BuildRequestAlreadyExists if its instance has one."""

        async def insert(session: AsyncSession) -> BuildRequest:
            row = _Row(**_new_row(build_request))
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return _to_domain(row)

        try:
            return await self._db.write(insert)
        except DBDuplicateEntry:
            raise BuildRequestAlreadyExists(uuid=build_request.instance_uuid) from None

    async def create_accepted(
        self, build_requests: Sequence[BuildRequest], specs: Sequence[RequestSpec]
    ) -> None:
        """Record what the API accepted, all of it or (on any error) nothing: the build
        requests, their instances' request ``specs`` and instance mappings (no cell yet).

        BuildRequestAlreadyExists if one of the instances has a build request or mapping.
        """
        rows = [_new_row(build_request) for build_request in build_requests]
        mappings = [
            new_mapping_row(
                InstanceMapping(
                    instance_uuid=build_request.instance_uuid,
                    project_id=build_request.project_id,
                    user_id=build_request.instance.user_id,
                )
            )
            for build_request in build_requests
        ]

        async def insert_all(session: AsyncSession) -> None:
            await insert_rows(session, models.RequestSpec, [spec_row(spec) for spec in specs])
            await insert_rows(session, _Row, rows)
            await insert_rows(session, models.InstanceMapping, mappings)

        try:
            await self._db.write(insert_all)
        except DBDuplicateEntry:
            uuids = ", ".join(build_request.instance_uuid for build_request in build_requests)
            raise BuildRequestAlreadyExists(uuid=uuids) from None

    async def hand_over(self, instance_uuid: str, cell_uuid: str) -> bool:
        """The instance now exists in cell ``cell_uuid``: point its mapping there and
        delete its build request, in one transaction.

        False when the build request was already gone (the server was deleted while it
        was scheduled). InstanceMappingNotFound / CellMappingNotFound as
        :meth:`InstanceMappingRepository.set_cell`.
        """

        async def move(session: AsyncSession) -> bool:
            await set_cell_in(session, instance_uuid, cell_uuid)
            result = await session.execute(
                delete(core_table(_Row)).where(_Row.instance_uuid == instance_uuid)
            )
            return bool(getattr(result, "rowcount", 0))

        return await self._db.write(move)

    async def get(self, instance_uuid: str) -> BuildRequest:
        """The build request of ``instance_uuid``, else BuildRequestNotFound."""

        async def query(session: AsyncSession) -> BuildRequest:
            row = await session.scalar(select(_Row).where(_Row.instance_uuid == instance_uuid))
            if row is None:
                raise BuildRequestNotFound(uuid=instance_uuid)
            return _to_domain(row)

        return await self._db.read(query)

    async def get_many(self, uuids: Collection[str]) -> dict[str, BuildRequest]:
        """The build requests of the instances ``uuids`` that have one, by instance uuid."""
        wanted = sorted(set(uuids))

        async def query(session: AsyncSession) -> dict[str, BuildRequest]:
            found: dict[str, BuildRequest] = {}
            for start in range(0, len(wanted), _CHUNK):
                part = wanted[start : start + _CHUNK]
                for row in await session.scalars(select(_Row).where(_Row.instance_uuid.in_(part))):
                    found[row.instance_uuid or ""] = _to_domain(row)
            return found

        return await self._db.read(query)

    async def list(self, project_id: str | None = None) -> builtins.list[BuildRequest]:
        """Every build request (of ``project_id`` when given), oldest first."""
        stmt = select(_Row).order_by(_Row.id)
        if project_id is not None:
            stmt = stmt.where(_Row.project_id == project_id)

        async def query(session: AsyncSession) -> builtins.list[BuildRequest]:
            return [_to_domain(row) for row in await session.scalars(stmt)]

        return await self._db.read(query)

    async def save_instance(self, instance: Instance) -> BuildRequest:
        """Store ``instance`` as the build request's instance (changes before scheduling).

        BuildRequestNotFound when the build request is gone (scheduled or deleted).
        """

        async def update(session: AsyncSession) -> BuildRequest:
            row = await session.scalar(select(_Row).where(_Row.instance_uuid == instance.uuid))
            if row is None:
                raise BuildRequestNotFound(uuid=instance.uuid)
            row.instance = orjson.dumps(instance.to_primitive()).decode()
            await session.flush()
            return _to_domain(row)

        return await self._db.write(update)

    async def delete(self, instance_uuid: str) -> bool:
        """Delete the build request of ``instance_uuid``; False if it was already gone."""

        async def remove(session: AsyncSession) -> bool:
            result = await session.execute(delete(_Row).where(_Row.instance_uuid == instance_uuid))
            return bool(getattr(result, "rowcount", 0))

        return await self._db.write(remove)


def _new_row(build_request: BuildRequest) -> dict[str, Any]:
    row: dict[str, Any] = {
        "instance_uuid": build_request.instance_uuid,
        "project_id": build_request.project_id,
        "instance": orjson.dumps(build_request.instance.to_primitive()).decode(),
        "tags": orjson.dumps(list(build_request.tags)).decode(),
    }
    if build_request.created_at is not None:
        row["created_at"] = build_request.created_at
    return row


def _to_domain(row: models.BuildRequest) -> BuildRequest:
    instance = Instance.from_primitive(orjson.loads(row.instance or "{}"))
    tags = [str(tag) for tag in orjson.loads(row.tags)] if row.tags else []
    if instance.created_at is None:
        instance.created_at = row.created_at
    instance.reset_changes()
    result = BuildRequest(
        id=row.id,
        instance_uuid=row.instance_uuid or instance.uuid,
        project_id=row.project_id,
        instance=instance,
        tags=tags,
        created_at=row.created_at,
    )
    result.reset_changes()
    return result

"""Build requests (API database): instances accepted by the API, not yet created in a cell.

The instance is stored as its primitive (JSON); it comes back with the build
request's ``created_at`` when it had none, so that listings can sort it with the
instances of the cells. The statements are Core statements built once: a build
request is written, read and deleted for every server booted.
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import CoreRow, core_table, insert_row, insert_rows
from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.models.base import utcnow
from novalite.db.repositories.instance_mappings import new_mapping_row, set_cell_in
from novalite.db.repositories.request_specs import spec_row
from novalite.domain.instance import BuildRequest, Instance, InstanceMapping
from novalite.domain.request_spec import RequestSpec
from novalite.errors import BuildRequestAlreadyExists, BuildRequestNotFound, DBDuplicateEntry

B = core_table(models.BuildRequest)
_CHUNK = 500

#: The columns a ``BuildRequest`` is built from.
_SELECT = select(B.c.id, B.c.instance_uuid, B.c.project_id, B.c.instance, B.c.tags, B.c.created_at)
_BY_ID = _SELECT.where(B.c.id == bindparam("id"))
_BY_UUID = _SELECT.where(B.c.instance_uuid == bindparam("instance_uuid"))
_BY_UUIDS = _SELECT.where(B.c.instance_uuid.in_(bindparam("uuids", expanding=True)))
_ALL = _SELECT.order_by(B.c.id)
_OF_PROJECT = _SELECT.where(B.c.project_id == bindparam("project_id")).order_by(B.c.id)
_SET_INSTANCE = update(B).where(B.c.id == bindparam("b_id"))
_DELETE = delete(B).where(B.c.instance_uuid == bindparam("instance_uuid"))


class BuildRequestRepository:
    """Reads and writes ``build_requests`` in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, build_request: BuildRequest) -> BuildRequest:
        """Insert ``build_request``; BuildRequestAlreadyExists if its instance has one."""

        async def insert(session: AsyncSession) -> BuildRequest:
            row_id = await insert_row(session, models.BuildRequest, **_new_row(build_request))
            return _to_domain((await session.execute(_BY_ID, {"id": row_id})).one())

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
            await insert_rows(session, models.BuildRequest, rows)
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
            return await _delete(session, instance_uuid)

        return await self._db.write(move)

    async def get(self, instance_uuid: str) -> BuildRequest:
        """The build request of ``instance_uuid``, else BuildRequestNotFound."""

        async def query(session: AsyncSession) -> BuildRequest:
            return _to_domain(await _row(session, instance_uuid))

        return await self._db.read(query)

    async def get_many(self, uuids: Collection[str]) -> dict[str, BuildRequest]:
        """The build requests of the instances ``uuids`` that have one, by instance uuid."""
        wanted = sorted(set(uuids))

        async def query(session: AsyncSession) -> dict[str, BuildRequest]:
            found: dict[str, BuildRequest] = {}
            for start in range(0, len(wanted), _CHUNK):
                part = wanted[start : start + _CHUNK]
                for row in await session.execute(_BY_UUIDS, {"uuids": part}):
                    found[row.instance_uuid or ""] = _to_domain(row)
            return found

        return await self._db.read(query)

    async def list(self, project_id: str | None = None) -> builtins.list[BuildRequest]:
        """Every build request (of ``project_id`` when given), oldest first."""

        async def query(session: AsyncSession) -> builtins.list[BuildRequest]:
            if project_id is None:
                rows = await session.execute(_ALL)
            else:
                rows = await session.execute(_OF_PROJECT, {"project_id": project_id})
            return [_to_domain(row) for row in rows]

        return await self._db.read(query)

    async def save_instance(self, instance: Instance) -> BuildRequest:
        """Store ``instance`` as the build request's instance (changes before scheduling).

        BuildRequestNotFound when the build request is gone (scheduled or deleted).
        """

        async def store(session: AsyncSession) -> BuildRequest:
            row = await _row(session, instance.uuid)
            text = orjson.dumps(instance.to_primitive()).decode()
            if text != row.instance:
                params = {"b_id": row.id, "instance": text, "updated_at": utcnow()}
                result = await session.execute(_SET_INSTANCE, params)
                if not getattr(result, "rowcount", 0):
                    raise BuildRequestNotFound(uuid=instance.uuid)
            return _to_domain(row, text)

        return await self._db.write(store)

    async def delete(self, instance_uuid: str) -> bool:
        """Delete the build request of ``instance_uuid``; False if it was already gone."""
        return await self._db.write(_delete, instance_uuid)


async def _row(session: AsyncSession, instance_uuid: str) -> CoreRow:
    """The build request row of ``instance_uuid``, else BuildRequestNotFound."""
    row = (await session.execute(_BY_UUID, {"instance_uuid": instance_uuid})).first()
    if row is None:
        raise BuildRequestNotFound(uuid=instance_uuid)
    return row


async def _delete(session: AsyncSession, instance_uuid: str) -> bool:
    """Delete the build request of ``instance_uuid``; False if there was none."""
    result = await session.execute(_DELETE, {"instance_uuid": instance_uuid})
    return bool(getattr(result, "rowcount", 0))


def _new_row(build_request: BuildRequest) -> dict[str, Any]:
    """The ``build_requests`` row of ``build_request``."""
    return {
        "instance_uuid": build_request.instance_uuid,
        "project_id": build_request.project_id,
        "instance": orjson.dumps(build_request.instance.to_primitive()).decode(),
        "tags": orjson.dumps(list(build_request.tags)).decode(),
        # Always given: the rows of one executemany must name the same columns.
        "created_at": build_request.created_at or utcnow(),
    }


def _to_domain(row: CoreRow, instance_json: str | None = None) -> BuildRequest:
    """The ``BuildRequest`` of a row of :data:`_SELECT`, its instance ``instance_json``
    when given (else the row's)."""
    text = row.instance if instance_json is None else instance_json
    instance = Instance.from_primitive(orjson.loads(text or "{}"))
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

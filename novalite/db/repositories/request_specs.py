"""Request specs (API database): what the scheduler is asked for each instance (JSON).

Core statements built once: a spec is written and read for every server booted.
"""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import core_table, insert_into
from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.models.base import utcnow
from novalite.domain.request_spec import RequestSpec
from novalite.errors import DBDuplicateEntry, RequestSpecNotFound

S = core_table(models.RequestSpec)
_SPEC_OF = select(S.c.spec).where(S.c.instance_uuid == bindparam("instance_uuid"))
_REPLACE = update(S).where(S.c.instance_uuid == bindparam("b_instance_uuid"))


class RequestSpecRepository:
    """Reads and writes ``request_specs`` in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, spec: RequestSpec) -> RequestSpec:
        """Store ``spec`` as the request spec of its instance, replacing any earlier one."""
        text = spec_row(spec)["spec"]
        uuid = spec.instance_uuid

        async def replace(session: AsyncSession) -> bool:
            params = {"b_instance_uuid": uuid, "spec": text, "updated_at": utcnow()}
            result = await session.execute(_REPLACE, params)
            return bool(getattr(result, "rowcount", 0))

        async def insert(session: AsyncSession) -> None:
            await session.execute(
                insert_into(models.RequestSpec), {"instance_uuid": uuid, "spec": text}
            )

        if not await self._db.write(replace):
            try:
                await self._db.write(insert)
            except DBDuplicateEntry:
                await self._db.write(replace)
        spec.reset_changes()
        return spec

    async def get(self, instance_uuid: str) -> RequestSpec:
        """The request spec of ``instance_uuid``, else RequestSpecNotFound."""

        async def query(session: AsyncSession) -> RequestSpec:
            text = await session.scalar(_SPEC_OF, {"instance_uuid": instance_uuid})
            if text is None:
                raise RequestSpecNotFound(instance_uuid=instance_uuid)
            spec = RequestSpec.from_primitive(orjson.loads(text))
            spec.reset_changes()
            return spec

        return await self._db.read(query)


def spec_row(spec: RequestSpec) -> dict[str, Any]:
    """The ``request_specs`` row of ``spec`` (for inserts in another repository's transaction)."""
    return {"instance_uuid": spec.instance_uuid, "spec": orjson.dumps(spec.to_primitive()).decode()}

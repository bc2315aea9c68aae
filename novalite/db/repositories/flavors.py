"""Flavors (API database): flavors, their extra specs and the projects of private flavors.

A flavor is read (by id) for every server booted: with Core statements built once.
The writes, rare, go through the ORM.
"""

from __future__ import annotations

import builtins
import dataclasses
from typing import Any

from sqlalchemy import bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import CoreRow, core_table
from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.db.repositories._common import column_names, row_values
from novalite.domain.flavor import Flavor
from novalite.errors import (
    DBDuplicateEntry,
    FlavorAccessExists,
    FlavorAccessNotFound,
    FlavorExists,
    FlavorExtraSpecNotFound,
    FlavorIdExists,
    FlavorNotFound,
    MarkerNotFound,
)

F = core_table(models.Flavor)
SPECS = core_table(models.FlavorExtraSpec)
#: The fields of a ``Flavor`` stored in a column of the same name.
_FLAVOR_FIELDS = tuple(sorted(Flavor.field_names() & column_names(models.Flavor)))
_BY_FLAVORID = select(*(F.c[name] for name in _FLAVOR_FIELDS)).where(
    F.c.flavorid == bindparam("flavorid")
)
_SPECS_OF = select(SPECS.c.key, SPECS.c.value).where(SPECS.c.flavor_id == bindparam("flavor_id"))
_SPECS_OF_MANY = select(SPECS.c.flavor_id, SPECS.c.key, SPECS.c.value).where(
    SPECS.c.flavor_id.in_(bindparam("flavor_ids", expanding=True))
)


@dataclasses.dataclass(frozen=True)
class FlavorFilters:
    """What a flavor list selects.

    ``is_public``: True = public flavors plus the private ones ``project_id`` may use,
    False = private only, None = all.
    """

    is_public: bool | None = True
    project_id: str | None = None
    min_memory_mb: int | None = None
    min_root_gb: int | None = None
    name: str | None = None


class FlavorRepository:
    """Reads and writes flavors in the API database."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, flavor: Flavor) -> Flavor:
        """Insert ``flavor``; FlavorExists / FlavorIdExists when the name or id is taken."""

        async def insert(session: AsyncSession) -> Flavor:
            await _check_unique(session, flavor)
            values = row_values(models.Flavor, flavor.as_dict())
            row = models.Flavor(**values)
            session.add(row)
            await session.flush()
            for key, value in flavor.extra_specs.items():
                session.add(models.FlavorExtraSpec(flavor_id=row.id, key=key, value=value))
            await session.flush()
            await session.refresh(row)
            return await _to_domain(session, row)

        try:
            return await self._db.write(insert)
        except DBDuplicateEntry:
            raise FlavorExists(name=flavor.name) from None

    async def get(self, flavorid: str) -> Flavor:
        """The flavor with this user-visible id, else FlavorNotFound."""

        async def query(session: AsyncSession) -> Flavor:
            found = await session.execute(_BY_FLAVORID, {"flavorid": flavorid})
            row = found.first()
            if row is None:
                raise FlavorNotFound(flavor_id=flavorid)
            return await _to_domain(session, row)

        return await self._db.read(query)

    async def list(
        self,
        filters: FlavorFilters,
        *,
        sort_key: str = "flavorid",
        sort_dir: str = "asc",
        limit: int | None = None,
        marker: str | None = None,
    ) -> builtins.list[Flavor]:
        """Flavors matching ``filters`` sorted by ``sort_key`` (then id), after ``marker``."""

        async def query(session: AsyncSession) -> builtins.list[Flavor]:
            stmt = select(models.Flavor).where(*_conditions(filters))
            column = getattr(models.Flavor, sort_key)
            order = column.desc() if sort_dir == "desc" else column.asc()
            id_order = models.Flavor.id.desc() if sort_dir == "desc" else models.Flavor.id.asc()
            rows = list(await session.scalars(stmt.order_by(order, id_order)))
            if marker is not None:
                ids = [row.flavorid for row in rows]
                if marker not in ids:
                    raise MarkerNotFound(marker=marker)
                rows = rows[ids.index(marker) + 1 :]
            if limit is not None:
                rows = rows[:limit]
            specs = await _extra_specs(session, [row.id for row in rows])
            return [_flavor(row, specs.get(row.id, {})) for row in rows]

        return await self._db.read(query)

    async def update_description(self, flavorid: str, description: str | None) -> Flavor:
        """Set the description (the only mutable field, 2.55)."""

        async def update(session: AsyncSession) -> Flavor:
            row = await _row(session, flavorid)
            row.description = description
            await session.flush()
            return await _to_domain(session, row)

        return await self._db.write(update)

    async def destroy(self, flavorid: str) -> None:
        """Delete the flavor with its extra specs and project access."""

        async def remove(session: AsyncSession) -> None:
            row = await _row(session, flavorid)
            for model in (models.FlavorExtraSpec, models.FlavorProject):
                await session.execute(delete(model).where(model.flavor_id == row.id))
            await session.delete(row)

        await self._db.write(remove)

    async def update_extra_specs(self, flavorid: str, specs: dict[str, str]) -> dict[str, str]:
        """Create or replace the given extra specs; returns all of the flavor's specs."""

        async def upsert(session: AsyncSession) -> dict[str, str]:
            row = await _row(session, flavorid)
            existing = {
                spec.key: spec
                for spec in await session.scalars(
                    select(models.FlavorExtraSpec).where(models.FlavorExtraSpec.flavor_id == row.id)
                )
            }
            for key, value in specs.items():
                if key in existing:
                    existing[key].value = value
                else:
                    session.add(models.FlavorExtraSpec(flavor_id=row.id, key=key, value=value))
            await session.flush()
            return (await _extra_specs(session, [row.id])).get(row.id, {})

        return await self._db.write(upsert)

    async def delete_extra_spec(self, flavorid: str, key: str) -> None:
        """Delete one extra spec, else FlavorExtraSpecNotFound."""

        async def remove(session: AsyncSession) -> None:
            row = await _row(session, flavorid)
            result: Any = await session.execute(
                delete(models.FlavorExtraSpec).where(
                    models.FlavorExtraSpec.flavor_id == row.id, models.FlavorExtraSpec.key == key
                )
            )
            if not result.rowcount:
                raise FlavorExtraSpecNotFound(flavor_id=flavorid, key=key)

        await self._db.write(remove)

    async def projects(self, flavorid: str) -> builtins.list[str]:
        """The projects given access to the flavor, in the order they were added."""

        async def query(session: AsyncSession) -> builtins.list[str]:
            row = await _row(session, flavorid)
            return await _projects(session, row.id)

        return await self._db.read(query)

    async def add_project(self, flavorid: str, project_id: str) -> builtins.list[str]:
        """Give ``project_id`` access (FlavorAccessExists if it has it); returns the projects."""

        async def add(session: AsyncSession) -> builtins.list[str]:
            row = await _row(session, flavorid)
            if project_id in await _projects(session, row.id):
                raise FlavorAccessExists(flavor_id=flavorid, project_id=project_id)
            session.add(models.FlavorProject(flavor_id=row.id, project_id=project_id))
            await session.flush()
            return await _projects(session, row.id)

        return await self._db.write(add)

    async def remove_project(self, flavorid: str, project_id: str) -> builtins.list[str]:
        """Take access away (FlavorAccessNotFound if it had none); returns the projects."""

        async def remove(session: AsyncSession) -> builtins.list[str]:
            row = await _row(session, flavorid)
            result: Any = await session.execute(
                delete(models.FlavorProject).where(
                    models.FlavorProject.flavor_id == row.id,
                    models.FlavorProject.project_id == project_id,
                )
            )
            if not result.rowcount:
                raise FlavorAccessNotFound(flavor_id=flavorid, project_id=project_id)
            return await _projects(session, row.id)

        return await self._db.write(remove)


def _conditions(filters: FlavorFilters) -> builtins.list[Any]:
    conditions: builtins.list[Any] = []
    if filters.is_public is not None:
        visible: Any = models.Flavor.is_public == filters.is_public
        if filters.is_public and filters.project_id is not None:
            shared = select(models.FlavorProject.flavor_id).where(
                models.FlavorProject.project_id == filters.project_id
            )
            visible = or_(visible, models.Flavor.id.in_(shared))
        conditions.append(visible)
    if filters.min_memory_mb is not None:
        conditions.append(models.Flavor.memory_mb >= filters.min_memory_mb)
    if filters.min_root_gb is not None:
        conditions.append(models.Flavor.root_gb >= filters.min_root_gb)
    if filters.name is not None:
        conditions.append(models.Flavor.name == filters.name)
    return conditions


async def _check_unique(session: AsyncSession, flavor: Flavor) -> None:
    taken = select(models.Flavor.id)
    if await session.scalar(taken.where(models.Flavor.name == flavor.name)) is not None:
        raise FlavorExists(name=flavor.name)
    if await session.scalar(taken.where(models.Flavor.flavorid == flavor.flavorid)) is not None:
        raise FlavorIdExists(flavor_id=flavor.flavorid)


async def _row(session: AsyncSession, flavorid: str) -> models.Flavor:
    """The flavor's ORM object (for the writes that change it), else FlavorNotFound."""
    row = await session.scalar(select(models.Flavor).where(models.Flavor.flavorid == flavorid))
    if row is None:
        raise FlavorNotFound(flavor_id=flavorid)
    return row


async def _projects(session: AsyncSession, row_id: int) -> builtins.list[str]:
    stmt = (
        select(models.FlavorProject.project_id)
        .where(models.FlavorProject.flavor_id == row_id)
        .order_by(models.FlavorProject.id)
    )
    return list(await session.scalars(stmt))


async def _extra_specs(
    session: AsyncSession, row_ids: builtins.list[int]
) -> dict[int, dict[str, str]]:
    """The extra specs of the flavors ``row_ids`` (those that have some), by flavor id."""
    specs: dict[int, dict[str, str]] = {}
    if not row_ids:
        return specs
    for flavor_id, key, value in await session.execute(_SPECS_OF_MANY, {"flavor_ids": row_ids}):
        specs.setdefault(flavor_id, {})[key] = value or ""
    return specs


async def _to_domain(session: AsyncSession, row: CoreRow | models.Flavor) -> Flavor:
    """The ``Flavor`` of ``row`` with its extra specs (read here)."""
    found = await session.execute(_SPECS_OF, {"flavor_id": row.id})
    return _flavor(row, {key: value or "" for key, value in found})


def _flavor(row: CoreRow | models.Flavor, specs: dict[str, str]) -> Flavor:
    """The ``Flavor`` of a flavor row (Core or ORM) and its extra ``specs``."""
    values = {name: getattr(row, name) for name in _FLAVOR_FIELDS}
    values.update(
        root_gb=row.root_gb or 0,
        ephemeral_gb=row.ephemeral_gb or 0,
        rxtx_factor=row.rxtx_factor if row.rxtx_factor is not None else 1.0,
        disabled=bool(row.disabled),
        is_public=bool(row.is_public) if row.is_public is not None else True,
        extra_specs=dict(specs),
    )
    return Flavor.from_fields(values)

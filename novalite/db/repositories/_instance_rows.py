"""Instances as rows: the columns of an ``Instance`` and the tables that hang off it.

Shared by :mod:`novalite.db.repositories.instances` (reads and writes) and the
listing query. Children (metadata, system metadata, tags, faults) are loaded for
many instances at once, one query per table, never one query per instance.
"""

from __future__ import annotations

import datetime
import operator
from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Select, Table, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import core_table, insert_rows
from novalite.db.models import instance as models
from novalite.db.models.base import utcnow
from novalite.db.repositories._common import BOOKKEEPING, column_names, live
from novalite.domain.flavor import Flavor
from novalite.domain.instance import Instance, InstanceFault

I = models.Instance  # noqa: E741
#: The Core tables: statements on them skip the ORM's per-statement work.
T = core_table(I)
EXTRA = core_table(models.InstanceExtra)
METADATA = core_table(models.InstanceMetadata)
SYSTEM_METADATA = core_table(models.InstanceSystemMetadata)
TAGS = core_table(models.Tag)
FAULTS = core_table(models.InstanceFault)

#: At most this many values in one ``IN (...)`` list (a page of 1,000 is one query).
CHUNK = 1000

#: Domain fields stored in a column of the same name (``deleted`` is converted).
COLUMN_FIELDS: tuple[str, ...] = tuple(
    sorted((Instance.field_names() & column_names(I)) - {"deleted"})
)

#: Columns derived from the flavor snapshot.
FLAVOR_COLUMNS = ("memory_mb", "vcpus", "root_gb", "ephemeral_gb", "instance_type_id")

#: Fields that are not columns of ``instances`` but are stored elsewhere.
CHILD_FIELDS = frozenset({"flavor", "metadata", "system_metadata", "tags"})

#: Fields never written from an update: identity, bookkeeping, or not stored.
READ_ONLY_FIELDS = frozenset({"id", "uuid", "deleted", "deleted_at", "created_at", "cell_uuid"})

#: Columns a ``NULL`` in an old row reads back as the domain's default.
_NULL_DEFAULTS: dict[str, Any] = {
    "vm_state": "building",
    "power_state": 0,
    "launch_index": 0,
    "config_drive": "",
    "locked": False,
    "progress": 0,
}

#: What the main instance query selects: the columns the domain knows, the flavor snapshot.
_SELECTED_NAMES = [*COLUMN_FIELDS, "deleted", "_flavor"]
SELECTED: tuple[Any, ...] = (
    *(T.c[name] for name in COLUMN_FIELDS),
    T.c.deleted,
    EXTRA.c.flavor.label("_flavor"),
)


_pick_fields = operator.itemgetter(*(_SELECTED_NAMES.index(name) for name in COLUMN_FIELDS))
_FLAVOR_INDEX = _SELECTED_NAMES.index("_flavor")
_DELETED_INDEX = _SELECTED_NAMES.index("deleted")


def base_select() -> Select[Any]:
    """``SELECT instances.*, instance_extra.flavor`` (outer join, one extra row per instance)."""
    return select(*SELECTED).select_from(T.outerjoin(EXTRA, EXTRA.c.instance_uuid == T.c.uuid))


#: One instance by uuid, deleted or not / live only (built once: the hottest reads).
BY_UUID = base_select().where(T.c.uuid == bindparam("uuid"))
LIVE_BY_UUID = BY_UUID.where(T.c.deleted == 0)


def _uuids_in(column: Any) -> ColumnElement[bool]:
    """``column IN (:uuids)``, the list given at execution."""
    condition: ColumnElement[bool] = column.in_(bindparam("uuids", expanding=True))
    return condition


def _live_key_values(table: Table) -> Select[Any]:
    return (
        select(table.c.instance_uuid, table.c.key, table.c.value)
        .where(_uuids_in(table.c.instance_uuid), table.c.deleted == 0)
        .order_by(table.c.id)
    )


def _deleted_key_values(table: Table) -> Select[Any]:
    return (
        select(table.c.instance_uuid, table.c.key, table.c.value, table.c.deleted_at)
        .where(_uuids_in(table.c.instance_uuid), table.c.deleted != 0)
        .order_by(table.c.id)
    )


_LIVE_KEY_VALUES = {table: _live_key_values(table) for table in (METADATA, SYSTEM_METADATA)}
_DELETED_KEY_VALUES = {table: _deleted_key_values(table) for table in (METADATA, SYSTEM_METADATA)}
_TAGS_OF = (
    select(TAGS.c.resource_id, TAGS.c.tag)
    .where(_uuids_in(TAGS.c.resource_id))
    .order_by(TAGS.c.resource_id, TAGS.c.tag)
)
_FAULTS_OF = (
    select(FAULTS)
    .where(_uuids_in(FAULTS.c.instance_uuid))
    .order_by(FAULTS.c.created_at.desc(), FAULTS.c.id.desc())
)


def chunks(values: Sequence[str], size: int = CHUNK) -> Iterator[Sequence[str]]:
    """``values`` in slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def flavor_json(flavor: Flavor | None) -> str | None:
    """The flavor snapshot as stored in ``instance_extra.flavor``."""
    return None if flavor is None else orjson.dumps(flavor.to_primitive()).decode()


def flavor_columns(flavor: Flavor | None) -> dict[str, Any]:
    """The ``instances`` columns copied from the flavor snapshot."""
    if flavor is None:
        return dict.fromkeys(FLAVOR_COLUMNS)
    return {
        "memory_mb": flavor.memory_mb,
        "vcpus": flavor.vcpus,
        "root_gb": flavor.root_gb,
        "ephemeral_gb": flavor.ephemeral_gb,
        "instance_type_id": flavor.id,
    }


def insert_values(instance: Instance) -> dict[str, Any]:
    """The ``instances`` row of a new instance."""
    values = {
        name: getattr(instance, name)
        for name in COLUMN_FIELDS
        if name not in BOOKKEEPING or name == "created_at"
    }
    if values.get("created_at") is None:
        values["created_at"] = utcnow()
    values.update(flavor_columns(instance.flavor))
    return values


class FlavorCache:
    """Flavor snapshots decoded once per distinct JSON text; each caller gets its own copy.

    Instances of a listing mostly share a few flavors: decoding one primitive costs far
    more than copying the decoded object.
    """

    def __init__(self) -> None:
        self._decoded: dict[str, Flavor] = {}

    def get(self, text: str | None) -> Flavor | None:
        """A fresh ``Flavor`` (no recorded changes) for the stored ``text``."""
        if not text:
            return None
        prototype = self._decoded.get(text)
        if prototype is None:
            prototype = Flavor.from_primitive(orjson.loads(text))
            prototype.reset_changes()
            self._decoded[text] = prototype
        flavor = object.__new__(Flavor)
        state = flavor.__dict__
        state.update(prototype.__dict__)
        state["_changed"] = set()
        state["extra_specs"] = dict(prototype.extra_specs)
        return flavor


def to_instance(
    row: Sequence[Any], cell_uuid: str | None, flavors: FlavorCache | None = None
) -> Instance:
    """An ``Instance`` (without children) from a row of :func:`base_select`."""
    values = dict(zip(COLUMN_FIELDS, _pick_fields(row), strict=True))
    for name, default in _NULL_DEFAULTS.items():
        if values[name] is None:
            values[name] = default
    values["flavor"] = (flavors or FlavorCache()).get(row[_FLAVOR_INDEX])
    values["deleted"] = bool(row[_DELETED_INDEX])
    values["cell_uuid"] = cell_uuid
    return Instance.from_fields(values)


def sort_value(instance: Instance, key: str) -> Any:
    """The value of column ``key`` of ``instance``'s row, as far as the domain object knows it."""
    if key == "deleted":
        return (instance.id or 0) if instance.deleted else 0
    if key in FLAVOR_COLUMNS:
        return flavor_columns(instance.flavor)[key]
    return getattr(instance, key, None)


async def load_instances(
    session: AsyncSession,
    stmt: Select[Any],
    cell_uuid: str | None,
    *,
    with_faults: bool = False,
    with_system_metadata: bool = True,
    params: Mapping[str, Any] | None = None,
) -> list[Instance]:
    """Run ``stmt`` (built on :func:`base_select`, with ``params``) and return its instances
    with children."""
    rows = (await session.execute(stmt, params)).all()
    flavors = FlavorCache()
    instances = [to_instance(row, cell_uuid, flavors) for row in rows]
    await fill_children(
        session, instances, with_faults=with_faults, with_system_metadata=with_system_metadata
    )
    return instances


async def fill_children(
    session: AsyncSession,
    instances: Sequence[Instance],
    *,
    with_faults: bool = False,
    with_system_metadata: bool = True,
) -> None:
    """Load metadata, tags, system metadata (if asked) and the newest fault (if asked)."""
    if not instances:
        return
    metadata = await _key_values(session, METADATA, instances)
    system_metadata = (
        await _key_values(session, SYSTEM_METADATA, instances) if with_system_metadata else {}
    )
    tags = await _tags(session, [i.uuid for i in instances if not i.deleted])
    faults = await newest_faults(session, [i.uuid for i in instances]) if with_faults else {}
    for instance in instances:
        instance.metadata = metadata.get(instance.uuid, {})
        instance.system_metadata = system_metadata.get(instance.uuid, {})
        instance.tags = tags.get(instance.uuid, [])
        instance.fault = faults.get(instance.uuid)
        instance.reset_changes()


async def _key_values(
    session: AsyncSession, table: Table, instances: Sequence[Instance]
) -> dict[str, dict[str, str]]:
    """Key/values per instance uuid.

    A live instance has its live rows; a deleted one the rows deleted along with it
    (those whose ``deleted_at`` is the instance's).
    """
    result: dict[str, dict[str, str]] = {}
    live_uuids = [i.uuid for i in instances if not i.deleted]
    for part in chunks(live_uuids):
        rows = await session.execute(_LIVE_KEY_VALUES[table], {"uuids": part})
        for uuid, key, value in rows:
            result.setdefault(uuid, {})[key] = value
    deleted_at = {i.uuid: i.deleted_at for i in instances if i.deleted}
    for part in chunks(list(deleted_at)):
        rows = await session.execute(_DELETED_KEY_VALUES[table], {"uuids": part})
        for uuid, key, value, when in rows:
            if when == deleted_at[uuid]:
                result.setdefault(uuid, {})[key] = value
    return result


async def _tags(session: AsyncSession, uuids: Sequence[str]) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for part in chunks(uuids):
        for uuid, tag in await session.execute(_TAGS_OF, {"uuids": part}):
            result.setdefault(uuid, []).append(tag)
    return result


async def newest_faults(session: AsyncSession, uuids: Sequence[str]) -> dict[str, InstanceFault]:
    """The newest fault of each instance that has one (deleted instances' faults included)."""
    result: dict[str, InstanceFault] = {}
    for part in chunks(uuids):
        for row in await session.execute(_FAULTS_OF, {"uuids": part}):
            if row.instance_uuid is not None and row.instance_uuid not in result:
                result[row.instance_uuid] = to_fault(row)
    return result


def to_fault(row: Any) -> InstanceFault:
    """An ``InstanceFault`` from its row (ORM object or Core row of ``instance_faults``)."""
    fault = InstanceFault(
        id=row.id,
        instance_uuid=row.instance_uuid or "",
        code=row.code,
        message=row.message or "",
        details=row.details,
        host=row.host,
        created_at=row.created_at,
    )
    fault.reset_changes()
    return fault


async def add_children(session: AsyncSession, instance: Instance) -> None:
    """Insert the extra row, an empty info cache, metadata, system metadata and tags."""
    uuid = instance.uuid
    rows: list[tuple[Any, list[dict[str, Any]]]] = [
        (models.InstanceExtra, [{"instance_uuid": uuid, "flavor": flavor_json(instance.flavor)}]),
        (models.InstanceInfoCache, [{"instance_uuid": uuid, "network_info": "[]"}]),
        (
            models.InstanceMetadata,
            [{"instance_uuid": uuid, "key": k, "value": v} for k, v in instance.metadata.items()],
        ),
        (
            models.InstanceSystemMetadata,
            [
                {"instance_uuid": uuid, "key": k, "value": v}
                for k, v in instance.system_metadata.items()
            ],
        ),
        (models.Tag, [{"resource_id": uuid, "tag": tag} for tag in dict.fromkeys(instance.tags)]),
    ]
    for model, values in rows:
        await insert_rows(session, model, values)


async def replace_key_values(
    session: AsyncSession, model: Any, uuid: str, wanted: Mapping[str, str]
) -> None:
    """Make the live key/values of instance ``uuid`` exactly ``wanted`` (soft-deleting the rest)."""
    stmt = select(model).where(model.instance_uuid == uuid, live(model))
    existing = {row.key: row for row in await session.scalars(stmt)}
    now = utcnow()
    for key, row in existing.items():
        if key not in wanted:
            row.deleted = row.id
            row.deleted_at = now
        elif row.value != wanted[key]:
            row.value = wanted[key]
            row.updated_at = now
    for key, value in wanted.items():
        if key not in existing:
            session.add(model(instance_uuid=uuid, key=key, value=value))


async def replace_tags(session: AsyncSession, uuid: str, tags: Collection[str]) -> None:
    """Make the tags of instance ``uuid`` exactly ``tags``."""
    await session.execute(delete(models.Tag).where(models.Tag.resource_id == uuid))
    for tag in dict.fromkeys(tags):
        session.add(models.Tag(resource_id=uuid, tag=tag))


async def soft_delete_children(session: AsyncSession, uuid: str, when: datetime.datetime) -> None:
    """Soft-delete what hangs off instance ``uuid`` at ``when``; its tags are deleted outright."""
    for model in (
        models.InstanceExtra,
        models.InstanceMetadata,
        models.InstanceSystemMetadata,
        models.InstanceInfoCache,
        models.InstanceFault,
    ):
        await session.execute(
            update(model)
            .where(model.instance_uuid == uuid, live(model))
            .values(deleted=model.id, deleted_at=when, updated_at=model.updated_at)
        )
    await session.execute(delete(models.Tag).where(models.Tag.resource_id == uuid))


def in_or_null(column: Any, values: Collection[str | None]) -> ColumnElement[bool]:
    """``column IN (values)``, with ``None`` among them meaning ``column IS NULL``."""
    present = [v for v in values if v is not None]
    clauses: list[ColumnElement[bool]] = []
    if present:
        clauses.append(column.in_(present))
    if len(present) != len(values):
        clauses.append(column.is_(None))
    if not clauses:
        return column.in_([])  # type: ignore[no-any-return]
    if len(clauses) == 1:
        return clauses[0]
    return clauses[0] | clauses[1]

"""Instances (cell database): the instance rows with their flavor snapshot, metadata and faults.

Soft-deleted as in nova (``deleted = id``). State changes go through
:meth:`InstanceRepository.update`, an atomic compare-and-swap on task_state and
vm_state, so that two services racing on one instance cannot both win.
"""

from __future__ import annotations

import builtins
import dataclasses
import datetime
import functools
from collections.abc import Callable, Collection, Mapping
from typing import Any

from sqlalchemy import Select, Update, and_, bindparam, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.core import insert_into
from novalite.db.engine import Database
from novalite.db.models import instance as models
from novalite.db.models.base import utcnow
from novalite.db.repositories import _instance_listing as listing
from novalite.db.repositories._common import live
from novalite.db.repositories._instance_rows import (
    BY_UUID,
    CHILD_FIELDS,
    COLUMN_FIELDS,
    LIVE_BY_UUID,
    READ_ONLY_FIELDS,
    FlavorCache,
    I,
    T,
    add_children,
    base_select,
    chunks,
    fill_children,
    flavor_columns,
    flavor_json,
    in_or_null,
    insert_values,
    load_instances,
    replace_key_values,
    replace_tags,
    soft_delete_children,
    to_fault,
    to_instance,
)
from novalite.db.repositories.instance_actions import insert_action
from novalite.domain.instance import Instance, InstanceAction, InstanceFault
from novalite.errors import (
    DBDuplicateEntry,
    InstanceExists,
    InstanceNotFound,
    Invalid,
    UnexpectedDeletingTaskState,
    UnexpectedTaskState,
    UnexpectedVMState,
)

__all__ = [
    "REGEX_FIELDS",
    "InstanceQuery",
    "InstanceRepository",
    "instance_sort_key",
    "regex_and_tag_filter",
]

REGEX_FIELDS = listing.REGEX_FIELDS

_DELETING = "deleting"
_CAS_ATTEMPTS = 3


@dataclasses.dataclass
class InstanceQuery:
    """What :meth:`InstanceRepository.list` selects, in which order, from where.

    ``regex_filters`` maps fields to regular expressions searched in their values
    (nova's non-exact filters; the API's ``name`` is display_name); the tag lists are
    nova's tag filters (all of ``tags``, any of ``tags_any``, not all of ``not_tags``,
    none of ``not_tags_any``). With
    ``changes_since``/``changes_before`` deleted rows are included unless
    ``deleted`` is True (deleted only). The order is completed with nova's
    defaults (``created_at``, ``id``) and ``uuid``; ``after`` is the marker
    instance, possibly of another cell (its sort values are what count).
    Listed instances come without system metadata unless ``with_system_metadata``
    (no API view shows it, and it is the largest child table).
    """

    project_id: str | None = None
    user_id: str | None = None
    uuids: Collection[str] | None = None
    regex_filters: dict[str, str] = dataclasses.field(default_factory=dict)
    tags: list[str] | None = None
    tags_any: list[str] | None = None
    not_tags: list[str] | None = None
    not_tags_any: list[str] | None = None
    vm_states: Collection[str] | None = None
    task_states: Collection[str | None] | None = None
    host: str | None = None
    node: str | None = None
    image_ref: str | None = None
    flavor_id: str | None = None
    reservation_id: str | None = None
    availability_zone: str | None = None
    changes_since: datetime.datetime | None = None
    changes_before: datetime.datetime | None = None
    deleted: bool | None = False
    locked: bool | None = None
    sort_keys: list[str] = dataclasses.field(default_factory=lambda: ["created_at", "id"])
    sort_dirs: list[str] = dataclasses.field(default_factory=lambda: ["desc", "desc"])
    limit: int | None = None
    after: Instance | None = None
    with_faults: bool = False
    with_system_metadata: bool = False


def instance_sort_key(query: InstanceQuery) -> Callable[[Instance], Any]:
    """A sort ``key=`` ordering instances (of any cells) exactly as :meth:`InstanceRepository.list`.

    Merging the pages of several cells: ``sorted(a + b, key=instance_sort_key(query))``.
    """
    return listing.sort_key(query)


def regex_and_tag_filter(query: InstanceQuery) -> Callable[[Instance], bool]:
    """The regular-expression and tag filters of ``query`` as a predicate, for instances
    that are not in a cell yet (build requests); Invalid for a bad pattern."""
    matchers = listing.regex_matchers(query.regex_filters)

    def accept(instance: Instance) -> bool:
        return listing.matches_regexes(instance, matchers) and listing.matches_tags(instance, query)

    return accept


class InstanceRepository:
    """Reads and writes instances in one cell's database; ``cell_uuid`` names that cell."""

    def __init__(self, db: Database, cell_uuid: str | None = None) -> None:
        self._db = db
        self._cell_uuid = cell_uuid

    async def create(self, instance: Instance, *, action: InstanceAction | None = None) -> Instance:
        """Insert ``instance`` with its extra row, metadata, info cache and tags, and its
        first ``action`` (with the action's events) if given, in one transaction.

        Returns it as stored (id, created_at set); InstanceExists if the uuid is taken.
        """

        async def insert_all(session: AsyncSession) -> Instance:
            await session.execute(insert_into(I), insert_values(instance))
            await add_children(session, instance)
            if action is not None:
                await insert_action(session, action)
            return await self._one(session, BY_UUID, instance.uuid)

        try:
            return await self._db.write(insert_all)
        except DBDuplicateEntry:
            raise InstanceExists(name=instance.uuid) from None

    async def get(
        self, uuid: str, *, with_fault: bool = False, read_deleted: bool = False
    ) -> Instance:
        """The instance ``uuid`` (deleted too if ``read_deleted``), else InstanceNotFound."""
        stmt = BY_UUID if read_deleted else LIVE_BY_UUID

        async def query(session: AsyncSession) -> Instance:
            return await self._one(session, stmt, uuid, with_fault=with_fault)

        return await self._db.read(query)

    async def get_many(
        self, uuids: Collection[str], *, with_faults: bool = False
    ) -> dict[str, Instance]:
        """The live instances among ``uuids``, by uuid (missing ones left out)."""
        wanted = sorted(set(uuids))

        async def query(session: AsyncSession) -> dict[str, Instance]:
            found: dict[str, Instance] = {}
            for part in chunks(wanted):
                stmt = base_select().where(T.c.uuid.in_(part), T.c.deleted == 0)
                for item in await load_instances(
                    session, stmt, self._cell_uuid, with_faults=with_faults
                ):
                    found[item.uuid] = item
            return found

        return await self._db.read(query)

    async def update(
        self,
        uuid: str,
        values: Mapping[str, Any],
        *,
        expected_task_state: Collection[str | None] | None = None,
        expected_vm_state: Collection[str] | None = None,
    ) -> Instance:
        """Apply ``values`` if the instance is live and in an expected state, atomically.

        ``values`` are Instance fields; ``metadata``/``system_metadata`` replace those
        sets, ``tags`` the tags, ``flavor`` the snapshot. ``updated_at`` is set to now
        unless given. UnexpectedTaskState (UnexpectedDeletingTaskState while the
        instance is being deleted) / UnexpectedVMState on a state mismatch,
        InstanceNotFound if there is no live instance ``uuid``.
        """
        columns, children = _split_update(values)
        expected_tasks = _as_list(expected_task_state)
        expected_vms = _as_list(expected_vm_state)
        stmt = _swap_statement(_as_tuple(expected_tasks), _as_tuple(expected_vms))
        params = {**columns, "b_uuid": uuid}

        async def swap(session: AsyncSession) -> Instance:
            for _ in range(_CAS_ATTEMPTS):
                result = await session.execute(stmt, params)
                if getattr(result, "rowcount", 0):
                    break
                await _raise_conflict(session, uuid, expected_tasks, expected_vms)
            else:
                raise InstanceNotFound(instance_id=uuid)
            await _write_children(session, uuid, children)
            return await self._one(session, BY_UUID, uuid)

        return await self._db.write(swap)

    async def destroy(self, uuid: str) -> Instance:
        """Mark the instance deleted and soft-delete it with what hangs off it.

        Returns it as it was just before the soft delete (vm_state ``deleted``).
        InstanceNotFound if there is no live instance ``uuid``.
        """

        async def remove(session: AsyncSession) -> Instance:
            instance = await self._one(session, LIVE_BY_UUID, uuid)
            now = utcnow()
            values = {
                "vm_state": "deleted",
                "task_state": None,
                "terminated_at": instance.terminated_at or now,
                "updated_at": now,
                "deleted": T.c.id,
                "deleted_at": now,
            }
            await session.execute(update(T).where(T.c.uuid == uuid, live(T.c)).values(**values))
            await soft_delete_children(session, uuid, now)
            return await self._one(session, BY_UUID, uuid, with_fault=True)

        return await self._db.write(remove)

    async def list(self, query: InstanceQuery) -> builtins.list[Instance]:
        """The instances matching ``query``, ordered and paginated as it says."""
        stmt = listing.list_select(query, nulls_explicit=self._db.backend == "postgresql")
        accept = listing.python_filter(query)
        if accept is None and query.limit is not None:
            stmt = stmt.limit(query.limit)

        async def run(session: AsyncSession) -> builtins.list[Instance]:
            if accept is None:
                return await load_instances(
                    session,
                    stmt,
                    self._cell_uuid,
                    with_faults=query.with_faults,
                    with_system_metadata=query.with_system_metadata,
                )
            return await self._filtered(session, stmt, accept, query)

        return await self._db.read(run)

    async def list_by_host(self, host: str) -> builtins.list[Instance]:
        """The live instances of compute host ``host``, by id."""
        stmt = base_select().where(T.c.host == host, live(T.c)).order_by(T.c.id)
        return await self._db.read(load_instances, stmt, self._cell_uuid)

    async def list_in_task_past(
        self, cutoffs: Mapping[str, datetime.datetime]
    ) -> builtins.list[Instance]:
        """Live instances in task_state ``k`` unchanged since ``cutoffs[k]``.

        "Changed" is updated_at, or created_at for a row never updated.
        """
        if not cutoffs:
            return []
        changed = func.coalesce(T.c.updated_at, T.c.created_at)
        stalled = or_(*(and_(T.c.task_state == k, changed < v) for k, v in cutoffs.items()))
        stmt = base_select().where(stalled, live(T.c)).order_by(T.c.id)
        return await self._db.read(load_instances, stmt, self._cell_uuid)

    async def add_fault(self, fault: InstanceFault) -> InstanceFault:
        """Record ``fault`` (message cut to 255 characters); returns it with id and created_at."""

        async def insert_fault(session: AsyncSession) -> InstanceFault:
            row = models.InstanceFault(
                instance_uuid=fault.instance_uuid,
                code=fault.code,
                message=(fault.message or "")[:255],
                details=fault.details,
                host=fault.host,
                created_at=fault.created_at or utcnow(),
            )
            session.add(row)
            await session.flush()
            await session.refresh(row)
            return to_fault(row)

        return await self._db.write(insert_fault)

    async def hosts_of(self, uuids: Collection[str]) -> dict[str, str]:
        """uuid -> host of the live instances among ``uuids`` that have a host."""
        wanted = sorted(set(uuids))

        async def query(session: AsyncSession) -> dict[str, str]:
            result: dict[str, str] = {}
            for part in chunks(wanted):
                stmt = select(T.c.uuid, T.c.host).where(
                    T.c.uuid.in_(part), live(T.c), T.c.host.is_not(None)
                )
                for uuid, host in await session.execute(stmt):
                    if host is not None:
                        result[uuid] = host
            return result

        return await self._db.read(query)

    async def uuids_by_host(self, hosts: Collection[str] | None = None) -> dict[str, set[str]]:
        """host -> uuids of its live instances (of ``hosts`` only, when given)."""
        stmt = select(T.c.host, T.c.uuid).where(live(T.c), T.c.host.is_not(None))
        if hosts is not None:
            stmt = stmt.where(T.c.host.in_(sorted(set(hosts))))

        async def query(session: AsyncSession) -> dict[str, set[str]]:
            result: dict[str, set[str]] = {}
            for host, uuid in await session.execute(stmt):
                if host is not None:
                    result.setdefault(host, set()).add(uuid)
            return result

        return await self._db.read(query)

    async def _one(
        self,
        session: AsyncSession,
        stmt: Select[Any],
        uuid: str,
        *,
        with_fault: bool = False,
    ) -> Instance:
        """Instance ``uuid`` by :data:`BY_UUID` or :data:`LIVE_BY_UUID`, else InstanceNotFound."""
        found = await load_instances(
            session, stmt, self._cell_uuid, with_faults=with_fault, params={"uuid": uuid}
        )
        if not found:
            raise InstanceNotFound(instance_id=uuid)
        return found[0]

    async def _filtered(
        self,
        session: AsyncSession,
        stmt: Select[Any],
        accept: Callable[[Instance], bool],
        query: InstanceQuery,
    ) -> builtins.list[Instance]:
        """Run ``stmt`` unlimited, keep what ``accept`` accepts, then apply the limit."""
        kept: builtins.list[Instance] = []
        flavors = FlavorCache()
        for row in (await session.execute(stmt)).all():
            instance = to_instance(row, self._cell_uuid, flavors)
            if accept(instance):
                kept.append(instance)
                if query.limit is not None and len(kept) >= query.limit:
                    break
        await fill_children(
            session,
            kept,
            with_faults=query.with_faults,
            with_system_metadata=query.with_system_metadata,
        )
        return kept


#: The states of a live instance, read when a compare-and-swap matched nothing.
_STATES_OF = select(T.c.task_state, T.c.vm_state).where(
    T.c.uuid == bindparam("uuid"), T.c.deleted == 0
)


@functools.lru_cache(maxsize=256)
def _swap_statement(
    tasks: tuple[str | None, ...] | None, vms: tuple[str | None, ...] | None
) -> Update:
    """The compare-and-swap ``UPDATE`` of a live instance expecting these states.

    Built once per pair of expectations (they come from the code, a handful); executed
    with ``b_uuid`` and the columns to set.
    """
    where = [T.c.uuid == bindparam("b_uuid"), T.c.deleted == 0]
    if tasks is not None:
        where.append(in_or_null(T.c.task_state, tasks))
    if vms is not None:
        where.append(in_or_null(T.c.vm_state, vms))
    return update(T).where(*where)


def _as_tuple(values: builtins.list[str | None] | None) -> tuple[str | None, ...] | None:
    return None if values is None else tuple(values)


def _as_list(values: Collection[str | None] | None) -> builtins.list[str | None] | None:
    if values is None:
        return None
    if isinstance(values, str):
        return [values]
    return list(values)


def _split_update(values: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``values`` as ``instances`` columns and child-table changes; Invalid for unknown fields."""
    columns: dict[str, Any] = {}
    children: dict[str, Any] = {}
    for name, value in values.items():
        if name in CHILD_FIELDS:
            children[name] = value
        elif name in COLUMN_FIELDS and name not in READ_ONLY_FIELDS:
            columns[name] = value
        elif name != "fault":
            raise Invalid(reason=f"instance field {name!r} cannot be updated")
    if "flavor" in children:
        columns.update(flavor_columns(children["flavor"]))
    columns.setdefault("updated_at", utcnow())
    return columns, children


async def _write_children(session: AsyncSession, uuid: str, children: Mapping[str, Any]) -> None:
    if "metadata" in children:
        await replace_key_values(session, models.InstanceMetadata, uuid, children["metadata"])
    if "system_metadata" in children:
        await replace_key_values(
            session, models.InstanceSystemMetadata, uuid, children["system_metadata"]
        )
    if "tags" in children:
        await replace_tags(session, uuid, children["tags"])
    if "flavor" in children:
        extra = models.InstanceExtra
        await session.execute(
            update(extra)
            .where(extra.instance_uuid == uuid, live(extra))
            .values(flavor=flavor_json(children["flavor"]), updated_at=utcnow())
        )
    await session.flush()


async def _raise_conflict(
    session: AsyncSession,
    uuid: str,
    expected_tasks: builtins.list[str | None] | None,
    expected_vms: builtins.list[str | None] | None,
) -> None:
    """After a compare-and-swap matched nothing: raise why, or return to try again."""
    row = (await session.execute(_STATES_OF, {"uuid": uuid})).first()
    if row is None:
        raise InstanceNotFound(instance_id=uuid)
    task_state, vm_state = row
    if expected_tasks is not None and task_state not in expected_tasks:
        error = UnexpectedDeletingTaskState if task_state == _DELETING else UnexpectedTaskState
        raise error(
            instance_uuid=uuid,
            expected={"task_state": expected_tasks},
            actual={"task_state": task_state},
        )
    if expected_vms is not None and vm_state not in expected_vms:
        raise UnexpectedVMState(expected=expected_vms, actual=vm_state)

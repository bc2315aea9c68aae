"""Listing servers across build requests and every cell, sorted and paginated as one list.

As nova's ``instance_list``: each cell is asked for at most ``limit`` rows after the
marker in the requested order, the build requests (servers not yet in a cell) are
filtered and sorted here, and everything is merged in that same order. A cell whose
database cannot be read is skipped with a warning.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
from collections.abc import Callable
from typing import Any

from novalite.api.cells import CellRouter
from novalite.api.server_lookup import is_uuid
from novalite.db.engine import Database
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import (
    InstanceQuery,
    InstanceRepository,
    instance_sort_key,
    regex_and_tag_filter,
)
from novalite.domain.cell import CellMapping
from novalite.domain.instance import Instance, InstanceMapping
from novalite.errors import (
    BuildRequestNotFound,
    CellMappingNotFound,
    InstanceMappingNotFound,
    InstanceNotFound,
    MarkerNotFound,
)

LOG = logging.getLogger(__name__)


def build_request_filter(query: InstanceQuery) -> Callable[[Instance], bool]:
    """What :class:`InstanceQuery` selects, applied to the instance of a build request."""
    regexes_and_tags = regex_and_tag_filter(query)
    uuids = set(query.uuids) if query.uuids is not None else None
    vm_states = set(query.vm_states) if query.vm_states is not None else None
    task_states = set(query.task_states) if query.task_states is not None else None
    exact = {
        "project_id": query.project_id,
        "user_id": query.user_id,
        "host": query.host,
        "node": query.node,
        "image_ref": query.image_ref,
        "reservation_id": query.reservation_id,
        "availability_zone": query.availability_zone,
    }
    exact = {k: v for k, v in exact.items() if v is not None}

    def accept(instance: Instance) -> bool:
        if query.deleted is True or query.locked is True:
            return False
        if uuids is not None and instance.uuid not in uuids:
            return False
        if any(getattr(instance, k) != v for k, v in exact.items()):
            return False
        if not regexes_and_tags(instance):
            return False
        if vm_states is not None and instance.vm_state not in vm_states:
            return False
        if task_states is not None and instance.task_state not in task_states:
            return False
        if query.flavor_id is not None and (
            instance.flavor is None or instance.flavor.flavorid != query.flavor_id
        ):
            return False
        return _changed_within(instance, query)

    return accept


def _changed_within(instance: Instance, query: InstanceQuery) -> bool:
    changed = _naive(instance.updated_at or instance.created_at)
    if changed is None:
        return query.changes_since is None and query.changes_before is None
    since, before = (_naive(query.changes_since), _naive(query.changes_before))
    if since is not None and changed < since:
        return False
    return before is None or changed <= before


def _naive(value: datetime.datetime | None) -> datetime.datetime | None:
    if value is not None and value.tzinfo is not None:
        return value.astimezone(datetime.UTC).replace(tzinfo=None)
    return value


@dataclasses.dataclass
class ServerPage:
    """A page of servers: ``unavailable`` are the mappings of servers whose cell did not
    answer (listed before ``instances``; only when asked for, see :meth:`ServerLister.page`)."""

    instances: list[Instance]
    unavailable: list[InstanceMapping] = dataclasses.field(default_factory=list)


class ServerLister:
    """Lists servers of the API database's build requests and of every cell."""

    def __init__(self, api_db: Database, cells: CellRouter) -> None:
        self._db = api_db
        self._cells = cells

    async def page(
        self, query: InstanceQuery, marker: str | None = None, *, unavailable: bool = False
    ) -> ServerPage:
        """Servers matching ``query`` after ``marker`` (MarkerNotFound), at most ``query.limit``.

        With ``unavailable`` (2.69), the page also names, first and within the limit, the
        servers of the query's project (every project without one) in cells that did not
        answer, from their mappings: nova's minimal records, unfiltered and unsorted.
        """
        order = instance_sort_key(query)  # Invalid (400) for a bad sort key or direction
        cells = await self._cells.cells()
        if marker is not None:
            query = dataclasses.replace(query, after=await self._marker(marker, cells))
        (from_cells, down), pending = await asyncio.gather(
            self._from_cells(cells, query), self._build_requests(query, order)
        )
        seen = {instance.uuid for instance in from_cells}
        merged = from_cells + [i for i in pending if i.uuid not in seen]
        merged.sort(key=order)
        instances = merged if query.limit is None else merged[: query.limit]
        if not unavailable or not down:
            return ServerPage(instances)
        room = None if query.limit is None else query.limit - len(instances)
        return ServerPage(instances, await self._in_down_cells(down, query.project_id, room))

    async def _in_down_cells(
        self, cells: list[CellMapping], project_id: str | None, limit: int | None
    ) -> list[InstanceMapping]:
        found: list[InstanceMapping] = []
        mappings = InstanceMappingRepository(self._db)
        for cell in cells:
            if limit is not None and limit <= 0:
                break
            listed = await mappings.list_in_cell(cell.uuid, project_id, limit)
            found.extend(listed)
            if limit is not None:
                limit -= len(listed)
        return found

    async def _marker(self, marker: str, cells: list[CellMapping]) -> Instance:
        if not is_uuid(marker):
            raise MarkerNotFound(marker=marker)
        try:
            mapping = await InstanceMappingRepository(self._db).get(marker)
        except InstanceMappingNotFound:
            raise MarkerNotFound(marker=marker) from None
        if mapping.cell_uuid is None:
            try:
                return (await BuildRequestRepository(self._db).get(marker)).instance
            except BuildRequestNotFound:
                mapping = await InstanceMappingRepository(self._db).get(marker)
        by_uuid = {cell.uuid: cell for cell in cells}
        cell = by_uuid.get(mapping.cell_uuid or "")
        if cell is None:
            raise MarkerNotFound(marker=marker)
        repo = InstanceRepository(self._cells.database(cell), cell.uuid)
        try:
            return await repo.get(marker, read_deleted=True)
        except (InstanceNotFound, CellMappingNotFound):
            raise MarkerNotFound(marker=marker) from None

    async def _from_cells(
        self, cells: list[CellMapping], query: InstanceQuery
    ) -> tuple[list[Instance], list[CellMapping]]:
        """The instances of the cells that answered, and the cells that did not."""
        results = await asyncio.gather(
            *(self._from_cell(cell, query) for cell in cells), return_exceptions=True
        )
        found: list[Instance] = []
        down: list[CellMapping] = []
        for cell, result in zip(cells, results, strict=True):
            if isinstance(result, BaseException):
                if not isinstance(result, Exception):
                    raise result
                LOG.warning("Cell %s (%s) is not responding: %s", cell.uuid, cell.name, result)
                down.append(cell)
                continue
            found.extend(result)
        return found, down

    async def _from_cell(self, cell: CellMapping, query: InstanceQuery) -> list[Instance]:
        repo = InstanceRepository(self._cells.database(cell), cell.uuid)
        return await repo.list(query)

    async def _build_requests(
        self, query: InstanceQuery, order: Callable[[Instance], Any]
    ) -> list[Instance]:
        if query.deleted is True or query.host is not None or query.node is not None:
            return []
        requests = await BuildRequestRepository(self._db).list(query.project_id)
        accept = build_request_filter(query)
        candidates = [r.instance for r in requests if accept(r.instance)]
        if not candidates:
            return []
        mappings = await InstanceMappingRepository(self._db).get_many([i.uuid for i in candidates])
        pending = [
            i for i in candidates if i.uuid in mappings and mappings[i.uuid].cell_uuid is None
        ]
        if query.after is not None:
            pending = _after(pending, query.after, order)
        return pending


def _after(
    instances: list[Instance], marker: Instance, order: Callable[[Instance], Any]
) -> list[Instance]:
    ordered = sorted([i for i in instances if i.uuid != marker.uuid] + [marker], key=order)
    position = next(n for n, i in enumerate(ordered) if i is marker)
    return ordered[position + 1 :]

"""What the scheduler knows of compute nodes besides placement: the facts source.

:class:`HostFactsSource` is what the scheduler manager depends on; :class:`DatabaseHostFacts`
answers from the databases, as nova's host manager does. A *snapshot* holds the enabled
cells, host mappings and aggregate metadata (API database) and every live compute node with
its compute service (one read per cell database); it is reused for at most ``ttl`` seconds
(1 s by default: the scheduler is on the build's hot path) and taken again at once when a
candidate names a node it does not know. The instances on the hosts, which anti-affinity
depends on, are read for every request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
import time
from collections.abc import Callable, Collection
from typing import Any, Protocol

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as api_models
from novalite.db.models import cell as cell_models
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.cell import CELL0_UUID
from novalite.domain.service import Service
from novalite.scheduler.host_state import HostFacts

LOG = logging.getLogger(__name__)

COMPUTE_BINARY = "nova-compute"


class HostFactsSource(Protocol):
    """Facts about compute nodes, and the aggregates of availability zones."""

    async def get_facts(
        self, node_uuids: Collection[str], *, instance_uuids: Collection[str] | None = None
    ) -> list[HostFacts]:
        """Facts of the live compute nodes among ``node_uuids`` (unknown ones left out).

        ``HostFacts.instances`` holds every live instance of the host when
        ``instance_uuids`` is None, else only those of ``instance_uuids`` it runs.
        """
        ...

    async def zone_aggregates(self, zone: str) -> list[str]:
        """Uuids of the aggregates whose ``availability_zone`` metadata is ``zone``."""
        ...


class InstanceLocator(Protocol):
    """Where instances run, in one cell (``InstanceRepository`` fits)."""

    async def hosts_of(self, uuids: Collection[str]) -> dict[str, str]:
        """``instance uuid -> host`` of the live instances among ``uuids`` that have one."""
        ...

    async def uuids_by_host(self, hosts: Collection[str] | None = None) -> dict[str, set[str]]:
        """``host -> live instance uuids`` (of ``hosts`` if given)."""
        ...


@dataclasses.dataclass(frozen=True, slots=True)
class _Cell:
    uuid: str
    database_connection: str


@dataclasses.dataclass(frozen=True, slots=True)
class _Node:
    uuid: str
    host: str
    nodename: str
    cell: _Cell
    hypervisor_type: str | None
    hypervisor_version: int | None
    supported_instances: tuple[tuple[str, str, str], ...]
    service: Service | None


@dataclasses.dataclass(frozen=True, slots=True)
class _Snapshot:
    taken: float
    nodes: dict[str, _Node]
    metadata: dict[str, dict[str, frozenset[str]]]


@dataclasses.dataclass(frozen=True, slots=True)
class _ApiView:
    cells: list[_Cell]
    mapped: dict[str, str]
    metadata: dict[str, dict[str, frozenset[str]]]


def _supported_instances(raw: str | None) -> tuple[tuple[str, str, str], ...]:
    if not raw:
        return ()
    try:
        items: Any = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return ()
    return tuple(
        (str(i[0]), str(i[1]), str(i[2]))
        for i in items or ()
        if isinstance(i, list | tuple) and len(i) == 3
    )


class DatabaseHostFacts:
    """:class:`HostFactsSource` over the API database and the cell databases.

    ``cell_database`` gives the :class:`Database` of a cell's connection URL (a
    ``DatabaseRegistry.get``); ``instances`` builds the :class:`InstanceLocator` of a cell
    from its database and uuid (``InstanceRepository`` unless told otherwise). Disabled
    cells and cell0 are skipped. A node whose host has no compute service record is
    reported down; a node whose host is not mapped to its cell (``discover_hosts`` has not
    run yet) is left out, as the conductor could not build there. ``ttl`` 0 reads
    everything for every request.
    """

    def __init__(
        self,
        api_db: Database,
        cell_database: Callable[[str], Database],
        *,
        instances: Callable[[Database, str], InstanceLocator] = InstanceRepository,
        service_down_time: float = 60.0,
        compute_binary: str = COMPUTE_BINARY,
        ttl: float = 1.0,
        miss_refresh: float = 0.1,
    ) -> None:
        self._api_db = api_db
        self._cell_database = cell_database
        self._instances = instances
        self._service_down_time = service_down_time
        self._compute_binary = compute_binary
        self._ttl = ttl
        self._miss_refresh = min(miss_refresh, ttl)
        self._snapshot: _Snapshot | None = None
        self._refreshing = asyncio.Lock()

    async def get_facts(
        self, node_uuids: Collection[str], *, instance_uuids: Collection[str] | None = None
    ) -> list[HostFacts]:
        """See :meth:`HostFactsSource.get_facts`."""
        wanted = list(dict.fromkeys(node_uuids))
        if not wanted:
            return []
        snapshot = await self._current(wanted)
        nodes = [snapshot.nodes[u] for u in wanted if u in snapshot.nodes]
        instances = await self._instances_on(nodes, instance_uuids)
        now = datetime.datetime.now(datetime.UTC)
        return [
            self._facts(node, snapshot.metadata.get(node.host, {}), instances, now)
            for node in nodes
        ]

    async def zone_aggregates(self, zone: str) -> list[str]:
        """See :meth:`HostFactsSource.zone_aggregates`."""
        return await self._api_db.read(_zone_aggregates, zone)

    async def _current(self, wanted: list[str]) -> _Snapshot:
        """A snapshot younger than the TTL that knows ``wanted`` (or a fresh one)."""
        snapshot = self._snapshot
        if snapshot is not None and self._usable(snapshot, wanted):
            return snapshot
        async with self._refreshing:
            snapshot = self._snapshot
            if snapshot is not None and self._usable(snapshot, wanted):
                return snapshot
            snapshot = self._snapshot = await self._take_snapshot()
            return snapshot

    def _usable(self, snapshot: _Snapshot, wanted: list[str]) -> bool:
        age = time.monotonic() - snapshot.taken
        if age >= self._ttl:
            return False
        return age < self._miss_refresh or all(u in snapshot.nodes for u in wanted)

    async def _take_snapshot(self) -> _Snapshot:
        taken = time.monotonic()
        api = await self._api_db.read(_api_view)
        per_cell = await asyncio.gather(*(self._cell_nodes(cell) for cell in api.cells))
        nodes: dict[str, _Node] = {}
        for node in (n for found in per_cell for n in found):
            if api.mapped.get(node.host) == node.cell.uuid:
                nodes[node.uuid] = node
            else:
                LOG.warning(
                    "Compute host %s (node %s) of cell %s is mapped to %s: not scheduled "
                    "there until novalite-manage cell_v2 discover_hosts maps it",
                    node.host,
                    node.uuid,
                    node.cell.uuid,
                    api.mapped.get(node.host, "no cell"),
                )
        return _Snapshot(taken=taken, nodes=nodes, metadata=api.metadata)

    async def _cell_nodes(self, cell: _Cell) -> list[_Node]:
        db = self._cell_database(cell.database_connection)
        return await db.read(_nodes_and_services, cell, self._compute_binary)

    async def _instances_on(
        self, nodes: list[_Node], instance_uuids: Collection[str] | None
    ) -> dict[str, frozenset[str]]:
        """``host -> instances``: all of them, or those of ``instance_uuids``, per cell."""
        if instance_uuids is not None and not instance_uuids:
            return {}
        hosts_by_cell: dict[_Cell, set[str]] = {}
        for node in nodes:
            hosts_by_cell.setdefault(node.cell, set()).add(node.host)
        found = await asyncio.gather(
            *(
                self._cell_instances(cell, hosts, instance_uuids)
                for cell, hosts in hosts_by_cell.items()
            )
        )
        by_host: dict[str, set[str]] = {}
        for part in found:
            for host, uuids in part.items():
                by_host.setdefault(host, set()).update(uuids)
        return {host: frozenset(uuids) for host, uuids in by_host.items()}

    async def _cell_instances(
        self, cell: _Cell, hosts: set[str], instance_uuids: Collection[str] | None
    ) -> dict[str, set[str]]:
        locator = self._instances(self._cell_database(cell.database_connection), cell.uuid)
        if instance_uuids is None:
            return await locator.uuids_by_host(sorted(hosts))
        by_host: dict[str, set[str]] = {}
        for uuid, host in (await locator.hosts_of(sorted(set(instance_uuids)))).items():
            if host in hosts:
                by_host.setdefault(host, set()).add(uuid)
        return by_host

    def _facts(
        self,
        node: _Node,
        metadata: dict[str, frozenset[str]],
        instances: dict[str, frozenset[str]],
        now: datetime.datetime,
    ) -> HostFacts:
        service = node.service
        return HostFacts(
            uuid=node.uuid,
            host=node.host,
            nodename=node.nodename,
            cell_uuid=node.cell.uuid,
            service_up=service is not None and service.is_up(self._service_down_time, now),
            service_disabled=bool(service and service.disabled),
            disabled_reason=service.disabled_reason if service else None,
            aggregate_metadata=metadata,
            instances=instances.get(node.host, frozenset()),
            hypervisor_type=node.hypervisor_type,
            hypervisor_version=node.hypervisor_version,
            supported_instances=node.supported_instances,
        )


async def _api_view(session: AsyncSession) -> _ApiView:
    cm, hm = api_models.CellMapping, api_models.HostMapping
    cells = [
        _Cell(uuid, url)
        for uuid, url in await session.execute(
            select(cm.uuid, cm.database_connection)
            .where(cm.uuid != CELL0_UUID, cm.disabled.is_not(True))
            .order_by(cm.id)
        )
        if url
    ]
    mapped = {
        host: cell_uuid
        for host, cell_uuid in await session.execute(
            select(hm.host, cm.uuid).join(cm, hm.cell_id == cm.id)
        )
    }
    ah, am = api_models.AggregateHost, api_models.AggregateMetadata
    values: dict[str, dict[str, set[str]]] = {}
    for host, key, value in await session.execute(
        select(ah.host, am.key, am.value).join(am, am.aggregate_id == ah.aggregate_id)
    ):
        values.setdefault(str(host), {}).setdefault(key, set()).add(value)
    metadata = {
        host: {key: frozenset(v) for key, v in keys.items()} for host, keys in values.items()
    }
    return _ApiView(cells=cells, mapped=mapped, metadata=metadata)


async def _nodes_and_services(session: AsyncSession, cell: _Cell, binary: str) -> list[_Node]:
    svc = cell_models.Service
    services: dict[str, Service] = {}
    for row in await session.scalars(select(svc).where(svc.binary == binary, svc.deleted == 0)):
        services[str(row.host)] = Service(
            host=str(row.host),
            binary=binary,
            disabled=bool(row.disabled),
            disabled_reason=row.disabled_reason,
            forced_down=bool(row.forced_down),
            last_seen_up=row.last_seen_up,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
    cn = cell_models.ComputeNode
    rows = await session.execute(
        select(
            cn.uuid,
            cn.host,
            cn.hypervisor_hostname,
            cn.hypervisor_type,
            cn.hypervisor_version,
            cn.supported_instances,
        ).where(cn.deleted == 0)
    )
    return [
        _Node(
            uuid=uuid,
            host=host,
            nodename=nodename or host,
            cell=cell,
            hypervisor_type=hv_type,
            hypervisor_version=hv_version,
            supported_instances=_supported_instances(supported),
            service=services.get(host),
        )
        for uuid, host, nodename, hv_type, hv_version, supported in rows
        if uuid and host
    ]


async def _zone_aggregates(session: AsyncSession, zone: str) -> list[str]:
    agg, am = api_models.Aggregate, api_models.AggregateMetadata
    rows = await session.scalars(
        select(agg.uuid)
        .join(am, am.aggregate_id == agg.id)
        .where(am.key == "availability_zone", am.value == zone)
        .order_by(agg.uuid)
    )
    return [uuid for uuid in rows if uuid]

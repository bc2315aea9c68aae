"""A scheduler on a real inproc bus, the built-in placement (behind identity) and SQLite DBs.

:class:`SchedulerCloud` wires :class:`SchedulerManager` to an RPC server on a private inproc
transport, with placement and identity served in-process through ``httpx.ASGITransport``,
a migrated API database and cell databases. ``add_host`` registers a compute host the way
a deployment does: compute node and service in its cell, resource provider and inventory
in placement, host mapping in the API database; ``add_instance`` records a built instance.
"""

from __future__ import annotations

import asyncio
import pathlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from novalite import rpc
from novalite.clients.placement import PlacementClient
from novalite.context import RequestContext
from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories import (
    CellMappingRepository,
    ComputeNodeRepository,
    HostMappingRepository,
    ServiceRepository,
)
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.cell import CellMapping, HostMapping
from novalite.domain.compute_node import ComputeNode
from novalite.domain.instance import Instance
from novalite.domain.service import Service
from novalite.rpc.scheduler import SchedulerAPI
from novalite.scheduler.host_facts import DatabaseHostFacts
from novalite.scheduler.manager import SchedulerManager
from novalite.scheduler.registry import SchedulerSettings
from tests.embedded_builtins import bootstrap_identity, embedded_builtins, placement_client

#: ``await serve(manager)``: serve it on a private inproc bus, get a client of its API.
Serve = Callable[[SchedulerManager], Awaitable[SchedulerAPI]]


class SchedulerCloud:
    """Everything a scheduler talks to, and a client of its RPC API."""

    def __init__(
        self, http: httpx.AsyncClient, api_db: Database, cells: DatabaseRegistry, tmp: pathlib.Path
    ) -> None:
        self.http = http
        self.api_db = api_db
        self.cells = cells
        self.tmp = tmp
        self.cell_uuids: dict[str, str] = {}
        self.placement = self.placement_client()
        self.ctx = RequestContext(project_id="project-1", user_id="user-1")

    def placement_client(self) -> PlacementClient:
        return placement_client(self.http)

    async def add_cell(self, name: str) -> str:
        url = f"sqlite:///{self.tmp}/{name}.sqlite"
        await migrate.sync(url, "cell")
        cell = await CellMappingRepository(self.api_db).create(
            CellMapping(name=name, transport_url="inproc://", database_connection=url)
        )
        self.cell_uuids[name] = cell.uuid
        return cell.uuid

    async def add_host(
        self,
        host: str,
        *,
        cell: str = "cell1",
        vcpus: int = 8,
        memory_mb: int = 8192,
        disk_gb: int = 100,
        cpu_ratio: float = 1.0,
        mapped: bool = True,
        service: bool = True,
    ) -> str:
        """A compute host of one node; returns the node (= resource provider) uuid."""
        url = f"sqlite:///{self.tmp}/{cell}.sqlite"
        db = self.cells.get(url)
        if service:
            await ServiceRepository(db).create(
                Service(host=host, binary="nova-compute", topic="compute")
            )
        node = await ComputeNodeRepository(db).create(
            ComputeNode(
                host=host,
                hypervisor_hostname=host,
                vcpus=vcpus,
                memory_mb=memory_mb,
                local_gb=disk_gb,
            )
        )
        if mapped:
            await HostMappingRepository(self.api_db).create(
                HostMapping(host=host, cell_uuid=self.cell_uuids[cell])
            )
        await self.placement.ensure_provider(node.uuid, host)
        await self.placement.set_inventory(
            node.uuid,
            {
                "VCPU": {"total": vcpus, "allocation_ratio": cpu_ratio},
                "MEMORY_MB": {"total": memory_mb},
                "DISK_GB": {"total": disk_gb},
            },
        )
        return node.uuid

    async def add_instance(self, instance_uuid: str, host: str, cell: str = "cell1") -> None:
        """The instance as the conductor records it once built on ``host``."""
        db = self.cells.get(f"sqlite:///{self.tmp}/{cell}.sqlite")
        instance = Instance(uuid=instance_uuid, host=host, node=host, project_id="project-1")
        await InstanceRepository(db, self.cell_uuids[cell]).create(instance)

    def manager(
        self, placement: PlacementClient | None = None, **settings: Any
    ) -> SchedulerManager:
        facts = DatabaseHostFacts(self.api_db, self.cells.get, service_down_time=60)
        return SchedulerManager(placement or self.placement, facts, SchedulerSettings(**settings))

    async def usage(self, rp_uuid: str) -> dict[str, int]:
        body = await self.placement.get_provider_allocations(rp_uuid)
        total: dict[str, int] = {}
        for alloc in body["allocations"].values():
            for rc, amount in alloc["resources"].items():
                total[rc] = total.get(rc, 0) + amount
        return total


@pytest.fixture(scope="session")
def identity_template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    """An identity database bootstrapped once (password hashing is slow), copied per test."""
    path = tmp_path_factory.mktemp("identity") / "identity.sqlite"
    asyncio.run(bootstrap_identity(path))
    return path


@pytest.fixture
async def cloud(
    tmp_path: pathlib.Path, identity_template: pathlib.Path
) -> AsyncIterator[SchedulerCloud]:
    api_url = f"sqlite:///{tmp_path}/api.sqlite"
    await migrate.sync(api_url, "api")
    api_db = Database(api_url)
    cells = DatabaseRegistry()
    async with embedded_builtins(tmp_path, identity_template=identity_template) as http:
        cloud = SchedulerCloud(http, api_db, cells, tmp_path)
        await cloud.add_cell("cell1")
        yield cloud
    await cells.dispose_all()
    await api_db.dispose()


@pytest.fixture
async def serve(cloud: SchedulerCloud) -> AsyncIterator[Serve]:
    """``await serve(manager)`` starts an RPC server for it; returns a SchedulerAPI client."""
    servers: list[rpc.RpcServer] = []

    async def start(manager: SchedulerManager) -> SchedulerAPI:
        transport = rpc.get_transport(f"inproc:///scheduler-{uuid.uuid4().hex}")
        server = rpc.RpcServer(transport, "scheduler", "sched-1", [manager])
        await server.start()
        servers.append(server)
        return SchedulerAPI(transport, timeout=60)

    yield start
    for server in servers:
        await server.stop()

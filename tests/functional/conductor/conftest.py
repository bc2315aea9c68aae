"""A conductor on a real inproc bus over real SQLite API, cell0 and cell1 databases.

The scheduler and the compute hosts are small fake endpoints on the same bus; placement
is the built-in one, in process. The scheduler fake claims its chosen hosts in placement
as the real one does.
"""

from __future__ import annotations

import asyncio
import dataclasses
import pathlib
import uuid as uuidlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from novalite import rpc
from novalite.builtin.placement.app import create_placement_app, prepare_placement_db
from novalite.builtin.placement.options import PlacementOptions
from novalite.clients.identity import StaticToken
from novalite.clients.placement import PlacementClient
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.conductor.assembly import SuperConductor, super_conductor
from novalite.conductor.cells import CellDirectory
from novalite.conductor.manager import ConductorManager
from novalite.conductor.objects import InstanceObjectService
from novalite.context import RequestContext
from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.compute_nodes import ComputeNodeRepository
from novalite.db.repositories.host_mappings import HostMappingRepository
from novalite.db.repositories.instance_actions import InstanceActionRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.db.service_registry import DatabaseServiceRegistry
from novalite.domain.cell import CELL0_UUID, CellMapping, HostMapping
from novalite.domain.flavor import Flavor
from novalite.domain.instance import BuildRequest, Instance, InstanceMapping
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.states import OnExpiry, TaskDeadline
from novalite.rpc.compute import ComputeAPI
from novalite.rpc.conductor import ConductorAPI
from novalite.rpc.scheduler import SchedulerAPI

HOSTS = ("host1", "host2", "host3")
FLAVOR = Flavor(flavorid="1", name="m1.tiny", memory_mb=512, vcpus=1, root_gb=1)
RESOURCES = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}


class AdminContext:
    """Test-only placement auth: every request is the admin's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["context"] = RequestContext.admin(
                user_id="nova", project_id="service"
            )
        await self.app(scope, receive, send)


class FakeScheduler:
    """The ``scheduler`` topic: picks ``plan`` hosts (or raises ``error``), claims the first."""

    RPC_API_VERSION = "1.0"

    def __init__(self, placement: PlacementClient, providers: dict[str, str], cell: str) -> None:
        self.placement = placement
        self.providers = providers
        self.cell = cell
        self.plan: list[str] = list(HOSTS)
        self.error: Exception | None = None
        self.specs: list[RequestSpec] = []
        self.before_answer: Callable[[list[str]], Any] | None = None

    def selection(self, uuid: str, host: str) -> Selection:
        rp = self.providers[host]
        return Selection(
            instance_uuid=uuid,
            service_host=host,
            nodename=host,
            compute_node_uuid=rp,
            cell_uuid=self.cell,
            allocation_request={"allocations": {rp: {"resources": dict(RESOURCES)}}},
            allocation_request_version="1.36",
        )

    @rpc.expose
    async def select_destinations(
        self,
        ctx: RequestContext,
        *,
        request_spec: RequestSpec,
        instance_uuids: list[str],
        return_alternates: bool = True,
    ) -> list[list[Selection]]:
        self.specs.append(request_spec)
        if self.error is not None:
            raise self.error
        result = []
        for uuid in instance_uuids:
            hosts = [self.selection(uuid, h) for h in self.plan]
            await self.placement.claim(
                uuid, hosts[0].allocation_request, "proj", "alice", context=ctx
            )
            result.append(hosts)
        if self.before_answer is not None:
            await self.before_answer(instance_uuids)
        return result


class FakeCompute:
    """A compute host: records the builds cast to it."""

    RPC_API_VERSION = "1.0"

    def __init__(self, host: str, builds: asyncio.Queue[dict[str, Any]]) -> None:
        self.host = host
        self.builds = builds

    @rpc.expose
    async def build_and_run_instance(
        self,
        ctx: RequestContext,
        *,
        instance: Instance,
        request_spec: RequestSpec,
        selection: Selection,
        alternates: list[Selection],
    ) -> None:
        await self.builds.put(
            {
                "host": self.host,
                "instance": instance,
                "request_spec": request_spec,
                "selection": selection,
                "alternates": alternates,
                "request_id": ctx.request_id,
            }
        )


@dataclasses.dataclass
class Cloud:
    api_db: Database
    cell0: CellMapping
    cell1: CellMapping
    cells: CellDirectory
    build_requests: BuildRequestRepository
    mappings: InstanceMappingRepository
    groups: ServerGroupRepository
    placement: PlacementClient
    providers: dict[str, str]
    scheduler: FakeScheduler
    builds: asyncio.Queue[dict[str, Any]]
    conductor_api: ConductorAPI
    conductor: SuperConductor
    ctx: RequestContext = dataclasses.field(
        default_factory=lambda: RequestContext(user_id="alice", project_id="proj")
    )

    def instances(self, cell: CellMapping) -> InstanceRepository:
        return self.cells.instances(cell)  # type: ignore[return-value]

    def actions(self, cell: CellMapping) -> InstanceActionRepository:
        return self.cells.actions(cell)  # type: ignore[return-value]

    async def request(self, count: int = 1) -> tuple[RequestSpec, list[str]]:
        """What the API records for ``count`` new servers: build requests and mappings."""
        uuids = [str(uuidlib.uuid4()) for _ in range(count)]
        for n, uuid in enumerate(uuids):
            instance = Instance(
                uuid=uuid,
                user_id="alice",
                project_id="proj",
                display_name=f"vm{n}",
                flavor=FLAVOR,
                vm_state="building",
            )
            await self.build_requests.create(
                BuildRequest(instance_uuid=uuid, project_id="proj", instance=instance)
            )
            await self.mappings.create(
                InstanceMapping(instance_uuid=uuid, project_id="proj", user_id="alice")
            )
        spec = RequestSpec(
            instance_uuid=uuids[0],
            instance_uuids=uuids,
            num_instances=count,
            project_id="proj",
            user_id="alice",
            vcpus=1,
            memory_mb=512,
            root_gb=1,
        )
        return spec, uuids

    async def next_build(self, within: float = 5.0) -> dict[str, Any]:
        return await asyncio.wait_for(self.builds.get(), within)

    async def allocations(self, uuid: str) -> dict[str, Any]:
        body = await self.placement.get_allocations(uuid)
        allocations: dict[str, Any] = body.get("allocations", {})
        return allocations


async def eventually(check: Callable[[], Any], within: float = 5.0) -> Any:
    """Await ``check()`` until it returns something truthy."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        result = await check()
        if result:
            return result
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)


#: Short deadlines for the watchdog tests.
DEADLINES = {
    "spawning": TaskDeadline(1),
    "deleting": TaskDeadline(1, OnExpiry.FINISH_DELETE),
}


async def _placement(tmp_path: pathlib.Path) -> tuple[PlacementClient, Database, httpx.AsyncClient]:
    db = Database(f"sqlite:///{tmp_path}/placement.sqlite")
    await prepare_placement_db(db)
    app = create_placement_app(PlacementOptions(), db, middleware=[Middleware(AdminContext)])
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://placement")
    session = ServiceSession(
        StaticToken("admin"),
        EndpointFilter("placement", endpoint_override="http://placement"),
        client=http,
    )
    return PlacementClient(session), db, http


@pytest.fixture
async def cloud(tmp_path: pathlib.Path) -> AsyncIterator[Cloud]:
    urls = {name: f"sqlite:///{tmp_path}/{name}.sqlite" for name in ("api", "cell0", "cell1")}
    await migrate.sync(urls["api"], "api")
    await migrate.sync(urls["cell0"], "cell")
    await migrate.sync(urls["cell1"], "cell")
    bus = f"inproc:///{uuidlib.uuid4().hex}"
    api_db = Database(urls["api"])
    cell_mappings = CellMappingRepository(api_db)
    cell0 = await cell_mappings.create(
        CellMapping(
            uuid=CELL0_UUID,
            name="cell0",
            transport_url="none:///",
            database_connection=urls["cell0"],
        )
    )
    cell1 = await cell_mappings.create(
        CellMapping(name="cell1", transport_url=bus, database_connection=urls["cell1"])
    )
    host_mappings = HostMappingRepository(api_db)
    for host in HOSTS:
        await host_mappings.create(HostMapping(host=host, cell_uuid=cell1.uuid))
    databases = DatabaseRegistry()
    cells = CellDirectory(
        cell_mappings,
        host_mappings,
        databases,
        instance_store=InstanceRepository,
        action_store=InstanceActionRepository,
    )
    placement, placement_db, http = await _placement(tmp_path)
    providers: dict[str, str] = {}
    for host in HOSTS:
        rp = str(uuidlib.uuid4())
        await placement.create_provider(host, rp)
        await placement.set_inventory(
            rp,
            {
                "VCPU": {"total": 4},
                "MEMORY_MB": {"total": 2048},
                "DISK_GB": {"total": 20},
            },
        )
        providers[host] = rp

    transport = rpc.create_transport(bus)
    scheduler = FakeScheduler(placement, providers, cell1.uuid)
    builds: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    build_requests = BuildRequestRepository(api_db)
    mappings = InstanceMappingRepository(api_db)
    groups = ServerGroupRepository(api_db)
    conductor = super_conductor(
        host="conductor1",
        cells=cells,
        build_requests=build_requests,
        instance_mappings=mappings,
        server_groups=groups,
        scheduler=SchedulerAPI(transport, timeout=10),
        compute_api_for=lambda cell: ComputeAPI(rpc.get_transport(cell.transport_url)),
        placement=placement,
        deadlines=DEADLINES,
        build_deadline=1,
    )
    cell1_db = databases.get(urls["cell1"])
    servers = [
        rpc.RpcServer(transport, "scheduler", "scheduler1", [scheduler]),
        rpc.RpcServer(
            transport,
            "conductor",
            "conductor1",
            [
                ConductorManager(
                    "conductor1",
                    DatabaseServiceRegistry(ServiceRepository(cell1_db)),
                    ComputeNodeRepository(cell1_db),
                ),
                conductor.endpoint,
                InstanceObjectService(
                    InstanceRepository(cell1_db, cell1.uuid), InstanceActionRepository(cell1_db)
                ),
            ],
        ),
        *(rpc.RpcServer(transport, "compute", h, [FakeCompute(h, builds)]) for h in HOSTS),
    ]
    for server in servers:
        await server.start()
    try:
        yield Cloud(
            api_db=api_db,
            cell0=cell0,
            cell1=cell1,
            cells=cells,
            build_requests=build_requests,
            mappings=mappings,
            groups=groups,
            placement=placement,
            providers=providers,
            scheduler=scheduler,
            builds=builds,
            conductor_api=ConductorAPI(transport, timeout=10),
            conductor=conductor,
        )
    finally:
        for server in servers:
            await server.stop(grace=5)
        await transport.close()
        await rpc.get_transport(bus).close()
        await http.aclose()
        await databases.dispose_all()
        await api_db.dispose()
        await placement_db.dispose()

"""Fixtures of the compute API tests: a migrated API database and HTTP clients."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import pathlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from novalite import rpc
from novalite.api.app import PUBLIC_PATHS, create_compute_app
from novalite.api.cells import CellRouter
from novalite.api.microversion import IMPLEMENTED_VERSION
from novalite.api_common.auth import NoAuthMiddleware
from novalite.api_common.microversion import Version
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.domain.cell import CELL0_UUID, CellMapping
from novalite.domain.instance import Instance
from novalite.domain.request_spec import RequestSpec
from novalite.domain.service import Service
from novalite.rpc import expose
from novalite.rpc.conductor import ConductorAPI
from tests.sqlite_templates import migrated_sqlite

BASE = "http://compute.test"
ADMIN = {"X-Auth-Token": "admin:admin-project"}
MEMBER = {"X-Auth-Token": "alice:alice-project", "X-Roles": "member,reader"}
OTHER = {"X-Auth-Token": "bob:bob-project", "X-Roles": "member,reader"}


def headers(who: dict[str, str], version: str | None = None) -> dict[str, str]:
    """Request headers for ``who`` at microversion ``version``."""
    result = dict(who)
    if version is not None:
        result["OpenStack-API-Version"] = f"compute {version}"
    return result


def make_app(db: Database, *, max_limit: int = 1000, max_version: Version | None = None) -> ASGIApp:
    """The compute app with nova's noauth middleware (``X-Auth-Token: user:project``)."""
    return create_compute_app(
        [Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)],
        db=db,
        max_limit=max_limit,
        max_version=max_version or IMPLEMENTED_VERSION,
    )


@pytest.fixture
async def api_db(tmp_path: pathlib.Path) -> AsyncIterator[Database]:
    """A migrated API database on SQLite."""
    db = Database(await migrated_sqlite(tmp_path / "api.sqlite", "api"))
    yield db
    await db.dispose()


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def client_factory(api_db: Database) -> AsyncIterator[ClientFactory]:
    """Build clients on apps with other options (``max_limit``, ``max_version``)."""
    clients: list[httpx.AsyncClient] = []

    def build(**options: object) -> httpx.AsyncClient:
        app = make_app(api_db, **options)  # type: ignore[arg-type]
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(client_factory: ClientFactory) -> httpx.AsyncClient:
    """A client of the compute API serving up to the implemented microversion."""
    return client_factory()


# -- servers: an API database, cell0 and cell1, a bus with a fake conductor and computes ------


class FakeConductorEndpoint:
    """The super-conductor's ``schedule_and_build_instances``, recorded (or built at once)."""

    RPC_API_VERSION = "1.1"

    def __init__(self) -> None:
        self.casts: list[tuple[Any, list[str]]] = []
        self.builder: Callable[[list[str]], Awaitable[None]] | None = None

    @expose
    async def schedule_and_build_instances(
        self, ctx: RequestContext, *, request_spec: RequestSpec, instance_uuids: list[str]
    ) -> None:
        self.casts.append((request_spec, list(instance_uuids)))
        if self.builder is not None:
            await self.builder(list(instance_uuids))


class FakeComputeEndpoint:
    """A compute host that records what it is asked to do."""

    RPC_API_VERSION = "1.0"

    def __init__(self, host: str) -> None:
        self.host = host
        self.casts: list[tuple[str, str, dict[str, Any]]] = []

    def _record(self, method: str, instance: Instance, **extra: Any) -> None:
        self.casts.append((method, instance.uuid, extra))

    @expose
    async def stop_instance(self, ctx: RequestContext, *, instance: Instance) -> None:
        self._record("stop_instance", instance)

    @expose
    async def start_instance(self, ctx: RequestContext, *, instance: Instance) -> None:
        self._record("start_instance", instance)

    @expose
    async def reboot_instance(
        self, ctx: RequestContext, *, instance: Instance, reboot_type: str
    ) -> None:
        self._record("reboot_instance", instance, reboot_type=reboot_type)

    @expose
    async def terminate_instance(self, ctx: RequestContext, *, instance: Instance) -> None:
        self._record("terminate_instance", instance)


@dataclasses.dataclass
class ServersEnv:
    """The compute API over real SQLite API/cell0/cell1 databases and an in-process bus."""

    client: httpx.AsyncClient
    api_db: Database
    registry: DatabaseRegistry
    cell0: CellMapping
    cell1: CellMapping
    conductor: FakeConductorEndpoint
    compute: FakeComputeEndpoint
    #: Another client on an app over the same parts, with other ``create_compute_app`` options.
    make_client: Callable[..., httpx.AsyncClient]

    def db(self, cell: CellMapping) -> Database:
        """The database of ``cell``."""
        return self.registry.get(cell.database_connection)

    def instances(self, cell: CellMapping) -> InstanceRepository:
        """The instance repository of ``cell``."""
        return InstanceRepository(self.db(cell), cell.uuid)

    async def schedule(
        self,
        uuid: str,
        cell: CellMapping | None = None,
        *,
        host: str | None = "host1",
        vm_state: str = "active",
        **values: Any,
    ) -> Instance:
        """Do what the conductor and compute would: move a build request into a cell."""
        cell = cell or self.cell1
        build_request = await BuildRequestRepository(self.api_db).get(uuid)
        instance = build_request.instance
        instance.vm_state = vm_state
        instance.task_state = None
        instance.host = host
        instance.node = host
        instance.power_state = 1 if vm_state == "active" else 0
        if vm_state != "error":
            instance.launched_at = datetime.datetime.now(datetime.UTC)
        for name, value in values.items():
            setattr(instance, name, value)
        created = await self.instances(cell).create(instance)
        await InstanceMappingRepository(self.api_db).set_cell(uuid, cell.uuid)
        await BuildRequestRepository(self.api_db).delete(uuid)
        return created

    async def wait_casts(self, count: int) -> list[tuple[str, str, dict[str, Any]]]:
        """The compute's casts once there are ``count`` of them."""
        for _ in range(300):
            if len(self.compute.casts) >= count:
                return self.compute.casts
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} casts, got {self.compute.casts}")

    async def wait_builds(self, count: int) -> list[tuple[Any, list[str]]]:
        """The conductor's build casts once there are ``count`` of them."""
        for _ in range(300):
            if len(self.conductor.casts) >= count:
                return self.conductor.casts
            await asyncio.sleep(0.01)
        raise AssertionError(f"expected {count} builds, got {self.conductor.casts}")


@pytest.fixture
async def servers_env(api_db: Database, tmp_path: object) -> AsyncIterator[ServersEnv]:
    """A compute API serving servers, with cell0 and cell1 and host1 up in cell1."""
    transport_url = f"inproc:///servers-{uuid.uuid4()}"
    transport = rpc.get_transport(transport_url)
    await transport.connect()
    registry = DatabaseRegistry()
    mappings = CellMappingRepository(api_db)
    cells = []
    for name, cell_uuid in (("cell0", CELL0_UUID), ("cell1", str(uuid.uuid4()))):
        url = await migrated_sqlite(pathlib.Path(str(tmp_path)) / f"{name}.sqlite", "cell")
        cells.append(
            await mappings.create(
                CellMapping(
                    uuid=cell_uuid, name=name, transport_url=transport_url, database_connection=url
                )
            )
        )
    await ServiceRepository(registry.get(cells[1].database_connection)).create(
        Service(
            host="host1",
            binary="nova-compute",
            topic="compute",
            last_seen_up=datetime.datetime.now(datetime.UTC),
        )
    )
    conductor, compute = FakeConductorEndpoint(), FakeComputeEndpoint("host1")
    servers = [
        rpc.RpcServer(transport, "conductor", "conductor", [conductor]),
        rpc.RpcServer(transport, "compute", "host1", [compute]),
    ]
    for server in servers:
        await server.start()
    clients: list[httpx.AsyncClient] = []

    def make_client(**options: Any) -> httpx.AsyncClient:
        app = create_compute_app(
            [Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)],
            db=api_db,
            max_version=IMPLEMENTED_VERSION,
            cells=CellRouter(api_db, registry),
            conductor=ConductorAPI(transport),
            **options,
        )
        clients.append(httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE))
        return clients[-1]

    yield ServersEnv(
        make_client(), api_db, registry, cells[0], cells[1], conductor, compute, make_client
    )
    for client in clients:
        await client.aclose()
    for server in servers:
        await server.stop(2)
    await transport.close()
    await registry.dispose_all()

"""Each service binary: the components it runs and how they are wired."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import logging
from collections.abc import Sequence
from pathlib import Path

from starlette.middleware import Middleware
from starlette.types import ASGIApp

from novalite import rpc
from novalite.api.app import PUBLIC_PATHS as COMPUTE_PUBLIC_PATHS
from novalite.api.app import create_compute_app
from novalite.api.cells import CellRouter
from novalite.api.policies import RULES as COMPUTE_RULES
from novalite.api_common.app import HttpServer
from novalite.api_common.auth import AuthMiddleware, NoAuthMiddleware
from novalite.api_common.policy import Enforcer
from novalite.api_common.tokens import TokenValidator
from novalite.clients.config import token_validator
from novalite.clients.placement import PlacementClient
from novalite.cmd import wiring
from novalite.cmd.cell_buses import CellBuses
from novalite.compute.host import HostSettings, build_compute_host, fake_host_names
from novalite.conductor.assembly import super_conductor
from novalite.conductor.cells import CellDirectory
from novalite.conductor.manager import ConductorManager
from novalite.conductor.objects import InstanceObjectService
from novalite.conf import Config
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.db.host_discovery import HostDiscovery
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
from novalite.domain.service import Service
from novalite.errors import ConfigError
from novalite.metadata.app import create_metadata_app
from novalite.rpc import conductor as conductor_rpc
from novalite.rpc import scheduler as scheduler_rpc
from novalite.rpc.conductor import ConductorAPI, ConductorServiceRegistry
from novalite.rpc.scheduler import SchedulerAPI
from novalite.scheduler.host_facts import DatabaseHostFacts
from novalite.scheduler.manager import SchedulerManager
from novalite.scheduler.registry import SchedulerSettings
from novalite.service import SERVICE_VERSION, Component, Launcher, PeriodicTask, ServiceReporter
from novalite.virt.driver import ComputeDriver
from novalite.virt.fake.driver import FakeDriver

LOG = logging.getLogger(__name__)

CONDUCTOR_BINARY = "nova-conductor"
SCHEDULER_BINARY = "nova-scheduler"
COMPUTE_BINARY = "nova-compute"
API_BINARY = "nova-osapi_compute"
METADATA_BINARY = "nova-metadata"


def _reporter(
    conf: Config,
    registry: DatabaseServiceRegistry | ConductorServiceRegistry,
    binary: str,
    topic: str | None,
) -> ServiceReporter:
    service = Service(host=conf.DEFAULT.host, binary=binary, topic=topic, version=SERVICE_VERSION)
    return ServiceReporter(registry, service, conf.DEFAULT.report_interval)


def _db_registry(cell_db: Database) -> DatabaseServiceRegistry:
    return DatabaseServiceRegistry(ServiceRepository(cell_db, compute_binary=COMPUTE_BINARY))


def host_discovery(api_db: Database, cell_databases: DatabaseRegistry) -> HostDiscovery:
    """Host discovery over the API database and the cells it maps."""
    return HostDiscovery(
        CellMappingRepository(api_db), HostMappingRepository(api_db), cell_databases
    )


# -- components of each service ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Backends:
    """What the controller services use: the API and cell databases, the bus, placement."""

    api_db: Database
    cell_db: Database
    cell_databases: DatabaseRegistry
    transport: rpc.Transport
    placement: PlacementClient


def cell_buses(conf: Config, backends: Backends, binary: str) -> CellBuses:
    """The compute buses of every cell (a component: it connects them at start)."""
    return CellBuses(
        conf,
        backends.transport,
        CellMappingRepository(backends.api_db),
        wiring.rabbit_options(conf, f"{binary}:{conf.DEFAULT.host}"),
    )


def conductor_components(conf: Config, backends: Backends, buses: CellBuses) -> list[Component]:
    """The conductor on the ``conductor`` topic: object service, build flow, watchdog.

    ``buses`` is started by the caller (before these components).
    """
    host = conf.DEFAULT.host
    api_db, cell_db, transport = backends.api_db, backends.cell_db, backends.transport
    registry = _db_registry(cell_db)
    cells = CellDirectory(
        CellMappingRepository(api_db),
        HostMappingRepository(api_db),
        backends.cell_databases,
        instance_store=InstanceRepository,
        action_store=InstanceActionRepository,
    )
    flow = super_conductor(
        host=host,
        cells=cells,
        build_requests=BuildRequestRepository(api_db),
        instance_mappings=InstanceMappingRepository(api_db),
        server_groups=ServerGroupRepository(api_db),
        scheduler=SchedulerAPI(transport, timeout=conf.DEFAULT.long_rpc_timeout),
        compute_api_for=buses.compute_api_for,
        placement=backends.placement,
        watchdog_interval=conf.conductor.task_watchdog_interval or 60.0,
    )
    endpoints = [
        ConductorManager(host, registry, ComputeNodeRepository(cell_db)),
        flow.endpoint,
        InstanceObjectService(InstanceRepository(cell_db), InstanceActionRepository(cell_db)),
    ]
    components: list[Component] = [
        rpc.RpcServer(transport, conductor_rpc.TOPIC, host, endpoints),
        _reporter(conf, registry, CONDUCTOR_BINARY, conductor_rpc.TOPIC),
    ]
    if conf.conductor.task_watchdog_interval > 0:
        components.append(flow.watchdog.periodic())
    return components


def scheduler_components(conf: Config, backends: Backends) -> list[Component]:
    """The scheduler on the ``scheduler`` topic, its record and periodic host discovery."""
    facts = DatabaseHostFacts(
        backends.api_db,
        backends.cell_databases.get,
        service_down_time=conf.DEFAULT.service_down_time,
    )
    manager = SchedulerManager(backends.placement, facts, SchedulerSettings.from_config(conf))
    components: list[Component] = [
        rpc.RpcServer(backends.transport, scheduler_rpc.TOPIC, conf.DEFAULT.host, [manager]),
        _reporter(conf, _db_registry(backends.cell_db), SCHEDULER_BINARY, scheduler_rpc.TOPIC),
    ]
    interval = conf.scheduler.discover_hosts_in_cells_interval
    if interval > 0:
        discovery = host_discovery(backends.api_db, backends.cell_databases)
        components.append(PeriodicTask("discover_hosts", discovery.discover, interval))
    return components


def compute_drivers(conf: Config, fake_hosts: int | None = None) -> dict[str, ComputeDriver]:
    """The driver of each compute host this process runs, by host name.

    One host normally; with the fake driver, ``[fake_driver] hosts`` (or ``fake_hosts``,
    from ``--fake-hosts``) simulated ones. Raises before anything is connected when the
    driver cannot be used.
    """
    count = fake_hosts or conf.fake_driver.hosts
    drivers = {
        name: wiring.compute_driver(conf) for name in fake_host_names(conf.DEFAULT.host, count)
    }
    if count > 1 and not all(isinstance(d, FakeDriver) for d in drivers.values()):
        raise ConfigError(reason="simulated hosts need compute_driver = fake.FakeDriver")
    return drivers


def compute_components(
    conf: Config,
    transport: rpc.Transport,
    placement: PlacementClient | None,
    drivers: dict[str, ComputeDriver],
) -> list[Component]:
    """The compute hosts of ``drivers``: everything they store goes through the conductor."""
    conductor = ConductorAPI(transport, timeout=conf.DEFAULT.rpc_response_timeout)
    settings = HostSettings.from_conf(conf)
    components: list[Component] = [_ConductorReady(conductor)]
    for name, driver in drivers.items():
        host = build_compute_host(
            host=name,
            transport=transport,
            conductor=conductor,
            placement=placement,
            driver=driver,
            settings=settings,
        )
        components += host.components
    return components


def api_components(conf: Config, cell_db: Database, app: ASGIApp) -> list[Component]:
    """The HTTP listener on ``osapi_compute_listen`` serving ``app``, and its service record."""
    defaults = conf.DEFAULT
    server = HttpServer(
        "compute API", app, defaults.osapi_compute_listen, defaults.osapi_compute_listen_port
    )
    return [server, _reporter(conf, _db_registry(cell_db), API_BINARY, None)]


def metadata_components(conf: Config, cell_db: Database) -> list[Component]:
    """The metadata listener on ``metadata_listen`` and its service record."""
    defaults = conf.DEFAULT
    server = HttpServer(
        "metadata", create_metadata_app(), defaults.metadata_listen, defaults.metadata_listen_port
    )
    return [server, _reporter(conf, _db_registry(cell_db), METADATA_BINARY, None)]


class _ConductorReady:
    """Start-up step of a compute host: wait until a conductor answers."""

    name = "wait for conductor"

    def __init__(self, conductor: ConductorAPI) -> None:
        self._conductor = conductor

    async def start(self) -> None:
        await self._conductor.wait_until_ready(RequestContext.admin())

    async def stop(self, grace: float) -> None:
        return None


# -- running one service -------------------------------------------------------------------


async def serve(name: str, conf: Config, components: Sequence[Component]) -> None:
    """Run ``components`` until SIGTERM/SIGINT, then stop them within the grace period."""
    launcher = Launcher(name, conf.DEFAULT.graceful_shutdown_timeout)
    for component in components:
        launcher.add(component)
    await launcher.run()


async def open_cell_db(conf: Config, stack: contextlib.AsyncExitStack) -> Database:
    """This service's cell database, reachable, closed with ``stack``."""
    db = wiring.cell_database(conf)
    stack.push_async_callback(db.dispose)
    await wiring.connect_database(db, conf.database)
    return db


async def open_api_db(conf: Config, stack: contextlib.AsyncExitStack) -> Database:
    """The API database, reachable, closed with ``stack``."""
    db = wiring.api_database(conf)
    stack.push_async_callback(db.dispose)
    await wiring.connect_database(db, conf.api_database)
    return db


async def open_transport(
    conf: Config, stack: contextlib.AsyncExitStack, binary: str
) -> rpc.Transport:
    """This service's message bus, connected, closed with ``stack``."""
    transport = await wiring.connect_transport(conf, f"{binary}:{conf.DEFAULT.host}")
    stack.push_async_callback(transport.close)
    return transport


def open_cell_databases(conf: Config, stack: contextlib.AsyncExitStack) -> DatabaseRegistry:
    """One pool per cell database URL, disposed with ``stack``."""
    cell_databases = DatabaseRegistry(wiring.database_options(conf.database))
    stack.push_async_callback(cell_databases.dispose_all)
    return cell_databases


def open_placement(conf: Config, stack: contextlib.AsyncExitStack) -> PlacementClient:
    """The ``[placement]`` client, closed with ``stack``."""
    placement = wiring.placement_client(conf)
    stack.push_async_callback(placement.session.aclose)
    return placement


async def open_backends(conf: Config, stack: contextlib.AsyncExitStack, binary: str) -> Backends:
    """Databases, bus and placement client of a split controller service."""
    return Backends(
        api_db=await open_api_db(conf, stack),
        cell_db=await open_cell_db(conf, stack),
        cell_databases=open_cell_databases(conf, stack),
        transport=await open_transport(conf, stack, binary),
        placement=open_placement(conf, stack),
    )


async def run_conductor(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        backends = await open_backends(conf, stack, CONDUCTOR_BINARY)
        buses = cell_buses(conf, backends, CONDUCTOR_BINARY)
        components = [buses, *conductor_components(conf, backends, buses)]
        await serve(CONDUCTOR_BINARY, conf, components)


async def run_scheduler(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        backends = await open_backends(conf, stack, SCHEDULER_BINARY)
        await serve(SCHEDULER_BINARY, conf, scheduler_components(conf, backends))


async def run_compute(conf: Config, args: argparse.Namespace) -> None:
    drivers = compute_drivers(conf, args.fake_hosts)
    async with contextlib.AsyncExitStack() as stack:
        transport = await open_transport(conf, stack, COMPUTE_BINARY)
        components = compute_components(conf, transport, open_placement(conf, stack), drivers)
        await serve(COMPUTE_BINARY, conf, components)


def auth_middleware(
    conf: Config,
    public_paths: Sequence[str],
    *,
    validator: TokenValidator | None = None,
    www_authenticate_uri: str | None = None,
) -> list[Middleware]:
    """Token validation in front of an HTTP service, as ``[api] auth_strategy`` says.

    The validator defaults to the one ``[keystone_authtoken]`` describes; the
    all-in-one passes its own, logged in as the bootstrap's service user.
    """
    if conf.api.auth_strategy == "noauth2":
        LOG.warning("[api] auth_strategy = noauth2: requests are NOT authenticated")
        return [Middleware(NoAuthMiddleware, public_paths=public_paths)]
    section = conf.keystone_authtoken
    if validator is None:
        validator = token_validator(section)
    return [
        Middleware(
            AuthMiddleware,
            validator=validator,
            public_paths=public_paths,
            www_authenticate_uri=(
                www_authenticate_uri or section.www_authenticate_uri or section.auth_url
            ),
            service_token_roles=section.service_token_roles,
            service_token_roles_required=section.service_token_roles_required,
        )
    ]


def compute_app(
    conf: Config, backends: Backends, buses: CellBuses, middleware: Sequence[Middleware]
) -> ASGIApp:
    """The compute API over the API and cell databases, casting to the conductor and to
    compute hosts, with ``[oslo_policy]`` and ``[api]`` options."""
    enforcer = Enforcer(
        COMPUTE_RULES,
        policy_file=policy_file(conf),
        enforce_scope=conf.oslo_policy.enforce_scope,
        enforce_new_defaults=conf.oslo_policy.enforce_new_defaults,
    )
    cells = CellRouter(
        backends.api_db, backends.cell_databases, compute_factory=buses.compute_api_for_url
    )
    return create_compute_app(
        middleware,
        db=backends.api_db,
        enforcer=enforcer,
        max_limit=conf.api.max_limit,
        cells=cells,
        conductor=ConductorAPI(backends.transport, timeout=conf.DEFAULT.rpc_response_timeout),
        placement=backends.placement,
        service_down_time=conf.DEFAULT.service_down_time,
        enable_instance_password=conf.api.enable_instance_password,
    )


def policy_file(conf: Config) -> Path | None:
    """``[oslo_policy] policy_file`` (relative to the state path) if it exists."""
    path = Path(conf.oslo_policy.policy_file)
    if not path.is_absolute():
        path = conf.state_path / path
    return path if path.exists() else None


async def run_api(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        middleware = auth_middleware(conf, COMPUTE_PUBLIC_PATHS)
        backends = await open_backends(conf, stack, API_BINARY)
        buses = cell_buses(conf, backends, API_BINARY)
        app = compute_app(conf, backends, buses, middleware)
        await serve(API_BINARY, conf, [buses, *api_components(conf, backends.cell_db, app)])


async def run_metadata(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cell_db = await open_cell_db(conf, stack)
        await serve(METADATA_BINARY, conf, metadata_components(conf, cell_db))

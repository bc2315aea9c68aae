"""Each service binary: the components it runs and how they are wired."""

from __future__ import annotations

import argparse
import contextlib
import logging
from collections.abc import Sequence
from pathlib import Path

from starlette.middleware import Middleware
from starlette.types import ASGIApp

from novalite import rpc
from novalite.api.app import PUBLIC_PATHS as COMPUTE_PUBLIC_PATHS
from novalite.api.app import create_compute_app
from novalite.api.policies import RULES as COMPUTE_RULES
from novalite.api_common.app import HttpServer
from novalite.api_common.auth import AuthMiddleware, NoAuthMiddleware
from novalite.api_common.policy import Enforcer
from novalite.api_common.tokens import TokenValidator
from novalite.clients.config import token_validator
from novalite.cmd import wiring
from novalite.compute.manager import ComputeManager
from novalite.compute.resource_tracker import ResourceTracker
from novalite.conductor.manager import ConductorManager
from novalite.conf import Config
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.db.host_discovery import HostDiscovery
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.compute_nodes import ComputeNodeRepository
from novalite.db.repositories.host_mappings import HostMappingRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.db.service_registry import DatabaseServiceRegistry
from novalite.domain.service import Service
from novalite.metadata.app import create_metadata_app
from novalite.rpc.conductor import ConductorAPI, ConductorServiceRegistry
from novalite.service import SERVICE_VERSION, Component, Launcher, PeriodicTask, ServiceReporter
from novalite.virt.driver import load_compute_driver

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


def conductor_components(
    conf: Config, cell_db: Database, transport: rpc.Transport
) -> list[Component]:
    """The conductor: its object service on the ``conductor`` topic, and its service record."""
    registry = _db_registry(cell_db)
    manager = ConductorManager(conf.DEFAULT.host, registry, ComputeNodeRepository(cell_db))
    server = rpc.RpcServer(transport, "conductor", conf.DEFAULT.host, [manager])
    return [server, _reporter(conf, registry, CONDUCTOR_BINARY, "conductor")]


def scheduler_components(
    conf: Config, api_db: Database, cell_db: Database, cell_databases: DatabaseRegistry
) -> list[Component]:
    """The scheduler: its service record and, if configured, periodic host discovery.

    Its RPC API (``select_destinations``) arrives with the build-flow issue.
    """
    components: list[Component] = [
        _reporter(conf, _db_registry(cell_db), SCHEDULER_BINARY, "scheduler")
    ]
    interval = conf.scheduler.discover_hosts_in_cells_interval
    if interval > 0:
        discovery = host_discovery(api_db, cell_databases)
        components.append(PeriodicTask("discover_hosts", discovery.discover, interval))
    return components


def compute_components(conf: Config, transport: rpc.Transport) -> list[Component]:
    """A compute host: driver, service record and node reports, all through the conductor."""
    defaults = conf.DEFAULT
    conductor = ConductorAPI(transport, timeout=defaults.rpc_response_timeout)
    driver = load_compute_driver(defaults.compute_driver)
    tracker = ResourceTracker(
        defaults.host, driver, conductor, wiring.allocation_ratios(conf), host_ip=defaults.my_ip
    )
    reporter = _reporter(conf, ConductorServiceRegistry(conductor), COMPUTE_BINARY, "compute")
    manager = ComputeManager(
        defaults.host,
        driver,
        reporter,
        tracker,
        update_resources_interval=defaults.update_resources_interval or 60.0,
    )
    return [_ConductorReady(conductor), manager]


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


async def run_conductor(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cell_db = await open_cell_db(conf, stack)
        transport = await open_transport(conf, stack, CONDUCTOR_BINARY)
        await serve(CONDUCTOR_BINARY, conf, conductor_components(conf, cell_db, transport))


async def run_scheduler(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        api_db = await open_api_db(conf, stack)
        cell_db = await open_cell_db(conf, stack)
        cell_databases = DatabaseRegistry(wiring.database_options(conf.database))
        stack.push_async_callback(cell_databases.dispose_all)
        components = scheduler_components(conf, api_db, cell_db, cell_databases)
        await serve(SCHEDULER_BINARY, conf, components)


async def run_compute(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        components = compute_components(conf, await open_transport(conf, stack, COMPUTE_BINARY))
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


def compute_app(conf: Config, api_db: Database, middleware: Sequence[Middleware]) -> ASGIApp:
    """The compute API over the API database, with ``[oslo_policy]`` and ``[api]`` options."""
    enforcer = Enforcer(
        COMPUTE_RULES,
        policy_file=policy_file(conf),
        enforce_scope=conf.oslo_policy.enforce_scope,
        enforce_new_defaults=conf.oslo_policy.enforce_new_defaults,
    )
    return create_compute_app(
        middleware, db=api_db, enforcer=enforcer, max_limit=conf.api.max_limit
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
        api_db = await open_api_db(conf, stack)
        cell_db = await open_cell_db(conf, stack)
        app = compute_app(conf, api_db, middleware)
        await serve(API_BINARY, conf, api_components(conf, cell_db, app))


async def run_metadata(conf: Config, args: argparse.Namespace) -> None:
    async with contextlib.AsyncExitStack() as stack:
        cell_db = await open_cell_db(conf, stack)
        await serve(METADATA_BINARY, conf, metadata_components(conf, cell_db))

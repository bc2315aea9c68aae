"""``novalite all-in-one``: every service in one process, on embedded defaults."""

from __future__ import annotations

import argparse
import contextlib
import logging

from novalite.api.app import PUBLIC_PATHS as COMPUTE_PUBLIC_PATHS
from novalite.api_common.app import DeferredApp, HttpServer, mount_services
from novalite.clients.placement import PlacementClient
from novalite.cmd import builtins, cells, services, wiring
from novalite.conf import Config
from novalite.db.engine import Database
from novalite.db.host_discovery import HostDiscovery

LOG = logging.getLogger(__name__)

NAME = "novalite all-in-one"


class DiscoverHosts:
    """Start-up step: map the compute host that has just reported to its cell."""

    name = "host discovery"

    def __init__(self, discovery: HostDiscovery) -> None:
        self._discovery = discovery

    async def start(self) -> None:
        for found in await self._discovery.discover():
            LOG.info("compute host %s mapped to %s", found.host, found.cell.name)

    async def stop(self, grace: float) -> None:
        return None


async def prepare_databases(conf: Config, api_db: Database) -> None:
    """Create or upgrade the API, cell0 and cell1 databases and map the two cells."""
    await cells.sync_api_db(api_db)
    cell0, created = await cells.map_cell0(
        api_db, cells.cell0_database_url(conf.database.connection)
    )
    if created:
        LOG.info("mapped cell0 (%s)", cell0.uuid)
    cell1 = await cells.ensure_cell(
        api_db,
        name="cell1",
        transport_url=conf.DEFAULT.transport_url,
        database_connection=conf.database.connection,
    )
    await cells.sync_cell_dbs(api_db, conf.database.connection)
    LOG.info("databases ready: API, cell0 and %s (%s)", cell1.name, cell1.uuid)


def _base_url(conf: Config, port: int) -> str:
    host = conf.DEFAULT.osapi_compute_listen
    if host in ("0.0.0.0", "::"):
        host = conf.DEFAULT.my_ip
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


async def run_all_in_one(conf: Config, args: argparse.Namespace) -> None:
    """Prepare the data directory and databases, then run every service until stopped.

    One listener serves identity, placement and the compute API. It is bound
    first so that the identity bootstrap (every start) records its real URL, also
    when the configured port is 0. The services of this process reach identity
    and placement through the same application in-process (same HTTP requests,
    no socket).
    """
    drivers = services.compute_drivers(conf)
    state_path = conf.state_path.resolve()
    existed = state_path.is_dir()
    state_path.mkdir(parents=True, exist_ok=True)
    LOG.info("%s data directory %s", "using" if existed else "created", state_path)
    async with contextlib.AsyncExitStack() as stack:
        api_db = await services.open_api_db(conf, stack)
        await prepare_databases(conf, api_db)
        cell_databases = services.open_cell_databases(conf, stack)
        cell_db = cell_databases.get(conf.database.connection)
        transport = await services.open_transport(conf, stack, NAME)

        deferred = DeferredApp()
        listener = services.api_components(conf, cell_db, deferred)
        server = listener[0]
        assert isinstance(server, HttpServer)
        base_url = _base_url(conf, server.bind())
        client = wiring.in_process_client(deferred, stack)
        found = await builtins.open_builtins(conf, stack, base_url, client)
        placement = PlacementClient(
            wiring.in_process_session(client, found.service_credentials, "placement")
        )
        backends = services.Backends(api_db, cell_db, cell_databases, transport, placement)
        buses = services.cell_buses(conf, backends, NAME)
        middleware = services.auth_middleware(
            conf,
            COMPUTE_PUBLIC_PATHS,
            validator=found.validator,
            www_authenticate_uri=found.identity_url,
        )
        compute = services.compute_app(conf, backends, buses, middleware)
        deferred.target = mount_services({**found.apps, "/compute": compute})

        components = [
            buses,
            *services.conductor_components(conf, backends, buses),
            *services.scheduler_components(conf, backends),
            *services.compute_components(conf, transport, placement, drivers),
            DiscoverHosts(services.host_discovery(api_db, cell_databases)),
            *listener,
            *services.metadata_components(conf, cell_db),
        ]
        await services.serve(NAME, conf, components)

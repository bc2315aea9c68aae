"""Turning configuration into concrete backends: databases, transports, drivers.

Only ``novalite.cmd`` builds these; every other package receives them as
constructor arguments.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import httpx
from starlette.types import ASGIApp

from novalite import rpc
from novalite.clients.asgi import AsgiClient
from novalite.clients.config import service_session
from novalite.clients.identity import PasswordAuth, PasswordCredentials
from novalite.clients.placement import PlacementClient
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.conf import Config
from novalite.conf.database import DatabaseSection
from novalite.db.engine import Database
from novalite.db.options import DatabaseOptions
from novalite.errors import DBConnectionError
from novalite.virt.driver import ComputeDriver, load_compute_driver

FAKE_DRIVER = "fake.FakeDriver"

LOG = logging.getLogger(__name__)


def database_options(section: DatabaseSection) -> DatabaseOptions:
    """``[database]``/``[api_database]`` options as the database layer takes them."""
    return DatabaseOptions(
        max_pool_size=section.max_pool_size,
        max_overflow=section.max_overflow,
        pool_timeout=section.pool_timeout,
        connection_recycle_time=int(section.connection_recycle_time),
        connection_debug=section.connection_debug,
        mysql_sql_mode=section.mysql_sql_mode,
        sqlite_synchronous=section.sqlite_synchronous,
        db_max_retries=section.db_max_retries,
        db_retry_interval=section.db_retry_interval,
        db_inc_retry_interval=section.db_inc_retry_interval,
        db_max_retry_interval=section.db_max_retry_interval,
    )


def api_database(conf: Config) -> Database:
    """The API database of ``[api_database] connection``."""
    return Database(conf.api_database.connection, database_options(conf.api_database))


def cell_database(conf: Config, url: str | None = None) -> Database:
    """A cell database: ``url``, or this service's own cell (``[database] connection``)."""
    return Database(url or conf.database.connection, database_options(conf.database))


async def connect_database(db: Database, section: DatabaseSection) -> None:
    """Check that ``db`` answers, trying ``max_retries`` times ``retry_interval`` apart.

    Raises DBConnectionError (password masked) when every attempt failed.
    """
    attempts = None if section.max_retries < 0 else max(section.max_retries, 1)
    attempt = 0
    while True:
        attempt += 1
        try:
            await db.check_connection()
            return
        except DBConnectionError as exc:
            if attempts is not None and attempt >= attempts:
                raise
            LOG.warning(
                "database not reachable (attempt %d%s): %s; retrying in %gs",
                attempt,
                f"/{attempts}" if attempts else "",
                exc,
                section.retry_interval,
            )
        await asyncio.sleep(section.retry_interval)


def rabbit_options(conf: Config, connection_name: str) -> rpc.RabbitOptions:
    """``[oslo_messaging_rabbit]`` as the RabbitMQ transport takes it."""
    rabbit = conf.oslo_messaging_rabbit
    return rpc.RabbitOptions(
        rabbit_retry_interval=rabbit.rabbit_retry_interval,
        rabbit_retry_backoff=rabbit.rabbit_retry_backoff,
        rabbit_interval_max=rabbit.rabbit_interval_max,
        amqp_durable_queues=rabbit.amqp_durable_queues,
        heartbeat_timeout_threshold=int(rabbit.heartbeat_timeout_threshold),
        rabbit_qos_prefetch_count=rabbit.rabbit_qos_prefetch_count,
        rabbit_transient_queues_ttl=int(rabbit.rabbit_transient_queues_ttl),
        control_exchange=conf.DEFAULT.control_exchange,
        connection_name=connection_name,
    )


async def connect_transport(
    conf: Config, connection_name: str, url: str | None = None
) -> rpc.Transport:
    """The transport of ``url`` (default ``[DEFAULT] transport_url``), connected.

    Raises MessagingUnreachable (password masked) if the broker does not answer.
    """
    transport = rpc.get_transport(
        url or conf.DEFAULT.transport_url, rabbit_options(conf, connection_name)
    )
    await transport.connect(timeout=conf.DEFAULT.rpc_response_timeout)
    return transport


def in_process_client(app: ASGIApp, stack: contextlib.AsyncExitStack) -> httpx.AsyncClient:
    """An HTTP client whose requests ``app`` answers in this process (closed with ``stack``).

    The all-in-one's services reach its built-in services this way: the same
    requests, tokens and catalog as over the network, without a socket
    (see :mod:`novalite.clients.asgi`).
    """
    client = AsgiClient(app)
    stack.push_async_callback(client.aclose)
    return client


def in_process_session(
    client: httpx.AsyncClient, credentials: PasswordCredentials, service_type: str
) -> ServiceSession:
    """A service session over an :func:`in_process_client`."""
    auth = PasswordAuth(credentials, client=client)
    return ServiceSession(auth, EndpointFilter(service_type=service_type), client=client)


def placement_client(conf: Config) -> PlacementClient:
    """The placement client of a split service, from ``[placement]``."""
    return PlacementClient(service_session(conf.placement, "placement", "placement"))


def compute_driver(conf: Config) -> ComputeDriver:
    """A new instance of ``[DEFAULT] compute_driver`` (the fake one sized by ``[fake_driver]``)."""
    name = conf.DEFAULT.compute_driver
    if name != FAKE_DRIVER:
        return load_compute_driver(name)
    fake = conf.fake_driver
    return load_compute_driver(
        name,
        vcpus=fake.vcpus,
        memory_mb=fake.memory_mb,
        local_gb=fake.local_gb,
        spawn_delay=fake.spawn_delay,
    )

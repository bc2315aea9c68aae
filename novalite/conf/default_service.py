"""``[DEFAULT]`` options every service reads: identity of the host, paths, bus, listeners."""

from __future__ import annotations

import ipaddress
import socket
from typing import Literal

from novalite.conf.section import Section, dynamic_opt, opt
from novalite.conf.types import Bool, ExpandedPath, IPAddress, ListOf, Port, Seconds, Url


def hostname() -> str:
    """The host's name as the operating system knows it."""
    return socket.gethostname()


def primary_ipv4() -> str:
    """The first non-loopback IPv4 address the host name resolves to, else ``127.0.0.1``.

    Only resolves the name (usually from /etc/hosts): nothing is sent on the network.
    """
    try:
        infos = socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
    except OSError:
        return "127.0.0.1"
    for info in infos:
        address = str(info[4][0])
        if not ipaddress.ip_address(address).is_loopback:
            return address
    return "127.0.0.1"


class ServiceOptions(Section):
    """Options shared by every service."""

    host: str = dynamic_opt(
        hostname,
        "Name of this host. It names the host's compute node and services, and its "
        "compute topic on the message bus (compute.<host>); it must be unique within a "
        "deployment and must not change once instances run on the host.",
        sample="<hostname>",
    )
    my_ip: IPAddress = dynamic_opt(
        primary_ipv4,
        "IP address of this host on the management network, used to reach it for "
        "consoles, migrations and as the default for other addresses. Defaults to the "
        "first non-loopback IPv4 address the host name resolves to, else 127.0.0.1.",
        sample="<host_ipv4>",
    )
    state_path: ExpandedPath = opt(
        "~/.local/share/novalite",
        "Top-level directory for the state of novalite: SQLite databases, instances, "
        "image cache. Other path options refer to it as $state_path.",
    )
    transport_url: Url = opt(
        "inproc://",
        "URL of the message bus, as in nova: rabbit://user:password@host:5672/vhost "
        "(several hosts separated by commas), or inproc:// for the in-process bus "
        "of the all-in-one.",
    )
    control_exchange: str = opt(
        "nova",
        "Exchange under which the RPC topics are declared on the message bus.",
    )
    rpc_response_timeout: Seconds = opt(
        60,
        "Seconds to wait for the reply to an RPC call before giving up.",
        ge=0,
    )
    long_rpc_timeout: Seconds = opt(
        1800,
        "Seconds to wait for the reply to RPC calls that can take long under load "
        "(the conductor's select_destinations to the scheduler), as in nova.",
        ge=0,
    )
    executor_thread_pool_size: int = opt(
        64,
        "Maximum number of RPC requests a service handles at the same time.",
        ge=1,
    )
    service_down_time: Seconds = opt(
        60,
        "A service whose last heartbeat is older than this many seconds is reported down. "
        "Must be greater than report_interval.",
        ge=1,
    )
    report_interval: Seconds = opt(
        10,
        "Seconds between two heartbeats of a service to the database.",
        ge=1,
    )
    periodic_enable: Bool = opt(True, "Run the periodic tasks of the services.")
    periodic_fuzzy_delay: Seconds = opt(
        60,
        "Delay the first run of the periodic tasks by a random number of seconds up to "
        "this, so that services started together do not run them in step. 0 disables.",
        ge=0,
    )
    graceful_shutdown_timeout: Seconds = opt(
        60,
        "Seconds a service waits for work in progress when asked to stop, before "
        "stopping anyway. 0 waits forever.",
        ge=0,
    )
    enabled_apis: ListOf[Literal["osapi_compute", "metadata"]] = opt(
        ("osapi_compute", "metadata"),
        "HTTP APIs the API service serves.",
    )
    osapi_compute_listen: str = opt(
        "127.0.0.1",
        "Address the compute API listens on. novalite listens on the loopback address by "
        "default (nova: 0.0.0.0); set 0.0.0.0 or :: to serve other hosts.",
    )
    osapi_compute_listen_port: Port = opt(
        8774,
        "Port the compute API listens on; 0 picks a free port.",
    )
    osapi_compute_workers: int | None = opt(
        None,
        "Number of worker processes of the compute API. Unset: one per CPU.",
        ge=1,
    )
    metadata_listen: str = opt(
        "127.0.0.1",
        "Address the metadata service listens on (nova: 0.0.0.0).",
    )
    metadata_listen_port: Port = opt(
        8775,
        "Port the metadata service listens on; 0 picks a free port.",
    )
    metadata_workers: int | None = opt(
        None,
        "Number of worker processes of the metadata service. Unset: one per CPU.",
        ge=1,
    )
    default_availability_zone: str = opt(
        "nova",
        "Availability zone of compute hosts that are in no aggregate with an availability zone.",
    )
    internal_service_availability_zone: str = opt(
        "internal",
        "Availability zone shown for services other than compute.",
    )
    default_schedule_zone: str | None = opt(
        None,
        "Availability zone given to a server created without one. Unset: any zone.",
    )

"""A split deployment as separate OS processes: builtins, api, conductor, scheduler, computes.

Every service is its own ``novalite`` process on a RabbitMQ virtual host of the test's own,
with the API, cell0 and cell1 databases (and placement's) on PostgreSQL or MariaDB.
Compute hosts get no database URL they could use: everything they store goes through the
conductor.
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path

import yaml

from tests.cloud_clients import CloudClients
from tests.lifecycle import wait_until
from tests.processes import Service, run, write_config

#: Connection pools small enough for seven processes on one PostgreSQL (max_connections 100).
POOL = {"max_pool_size": 4, "max_overflow": 4}


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Deployment(CloudClients):
    """The running processes, their configuration files and the clouds.yaml for users."""

    def __init__(
        self,
        tmp: Path,
        make_db: Callable[[], str],
        transport_url: str,
        *,
        computes: int = 3,
        fake: dict[str, object] | None = None,
    ) -> None:
        self.tmp = tmp
        self.services: dict[str, Service] = {}
        self.api_url, self.cell_url, self.cell0_url = make_db(), make_db(), make_db()
        identity_url, placement_url = make_db(), make_db()
        builtins_port, self.api_port = free_port(), free_port()
        self.identity = f"http://127.0.0.1:{builtins_port}/identity"
        self.data = tmp / "builtins"
        self.clouds_yaml = self.data / "clouds.yaml"
        defaults: dict[str, object] = {
            "transport_url": transport_url,
            "report_interval": 2,
            "service_down_time": 60,
            "rpc_response_timeout": 30,
            "graceful_shutdown_timeout": 10,
            "state_path": self.data,
            "debug": "true",
        }
        self.builtins_conf = write_config(
            tmp / "builtins.conf",
            {
                "DEFAULT": defaults,
                "builtin_identity": {
                    "connection": identity_url,
                    "key_repository": tmp / "fernet-keys",
                    "listen_port": builtins_port,
                    "compute_endpoint": f"http://127.0.0.1:{self.api_port}",
                },
                "builtin_placement": {"connection": placement_url},
                "database": POOL,
            },
        )
        self._computes = computes
        self._fake = fake or {}
        self._defaults = defaults

    # -- start-up --------------------------------------------------------------------------

    def start(self) -> None:
        """Start builtins, prepare the databases, then every nova service."""
        builtins = self._start("builtins", "builtins", [self.builtins_conf])
        builtins.wait_for_log("identity at", timeout=60)
        password = yaml.safe_load(self.credentials.read_text())["service"]
        auth = {
            "auth_type": "password",
            "auth_url": self.identity,
            "username": "nova",
            "password": password,
            "project_name": "service",
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }
        self.common = write_config(
            self.tmp / "nova.conf",
            {
                "DEFAULT": {
                    **self._defaults,
                    "host": "dist-controller",
                    "osapi_compute_listen_port": self.api_port,
                    "compute_driver": "fake.FakeDriver",
                },
                "api_database": {"connection": self.api_url, **POOL},
                "database": {"connection": self.cell_url, **POOL},
                "keystone_authtoken": {**auth, "token_cache_time": 2},
                "placement": auth,
                "scheduler": {"discover_hosts_in_cells_interval": 1},
                "fake_driver": self._fake,
            },
        )
        for command in (
            ["api_db", "sync"],
            ["cell_v2", "map_cell0", "--database_connection", self.cell0_url],
            ["cell_v2", "create_cell", "--name", "cell1"],
            ["db", "sync"],
        ):
            result = run("novalite-manage", "--config-file", str(self.common), *command)
            assert result.returncode == 0, result.stderr
        self._start("conductor", "conductor", [self.common])
        self._start("scheduler", "scheduler", [self.common])
        self._start("api", "api", [self.common])
        for index in range(1, self._computes + 1):
            self.start_compute(index)
        for name, service in self.services.items():
            if name != "builtins":
                service.wait_for_log(" is up", timeout=60)

    def compute_conf(self, index: int) -> Path:
        """The extra configuration of compute host ``index``: its name, no database."""
        return write_config(
            self.tmp / f"compute-{index}.conf",
            {
                "DEFAULT": {"host": self.host(index), "update_resources_interval": 2},
                "database": {"connection": "postgresql://nobody:x@127.0.0.1:1/none"},
            },
        )

    @staticmethod
    def host(index: int) -> str:
        """The name of compute host ``index``."""
        return f"dist-compute-{index}"

    def start_compute(self, index: int) -> Service:
        """Start (or restart) compute host ``index``."""
        name = f"compute-{index}"
        log = self.tmp / f"{name}.log"
        if log.exists():
            log.rename(self.tmp / f"{name}.{len(list(self.tmp.glob(name + '.*')))}.log")
        return self._start(name, "compute", [self.common, self.compute_conf(index)])

    def kill(self, name: str) -> None:
        """SIGKILL one service (a crash: nothing is cleaned up)."""
        service = self.services[name]
        os.kill(service.process.pid, signal.SIGKILL)
        service.process.wait(timeout=10)

    def _start(self, name: str, binary: str, configs: list[Path]) -> Service:
        service = Service(binary, configs, self.tmp / f"{name}.log")
        self.services[name] = service
        return service

    def stop(self) -> dict[str, int]:
        """SIGTERM every service still running; their exit codes by name."""
        codes: dict[str, int] = {}
        for name, service in reversed(list(self.services.items())):
            if service.process.poll() is None:
                codes[name] = service.terminate()
        return codes

    def wait_for_providers(self, count: int, timeout: float = 60) -> None:
        """Wait until placement has ``count`` compute node providers."""

        def enough() -> bool:
            admin = self.connect("novalite-admin")
            response = admin.placement.get("/resource_providers", raise_exc=True)
            return len(response.json()["resource_providers"]) >= count

        wait_until(enough, timeout, f"{count} compute node providers in placement")

    def logs(self) -> str:
        """Every service's log (for failure messages)."""
        return "\n".join(f"== {n} ==\n{s.log()[-4000:]}" for n, s in self.services.items())

    @property
    def credentials(self) -> Path:
        """The bootstrap users' passwords (admin, demo, service)."""
        return self.data / "credentials.yaml"

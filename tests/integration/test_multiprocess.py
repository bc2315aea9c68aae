"""Conductor and compute as separate OS processes over RabbitMQ and PostgreSQL.

The compute host never opens a database: its service record, heartbeats and
node report reach the cell database through the conductor.
"""

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from novalite.db.engine import Database
from novalite.db.repositories.compute_nodes import ComputeNodeRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.domain.service import Service as ServiceRecord
from tests.processes import Service, run, write_config

pytestmark = [pytest.mark.slow, pytest.mark.postgresql, pytest.mark.rabbitmq]


async def _services(url: str) -> dict[str, ServiceRecord]:
    async with Database(url) as db:
        return {s.binary: s for s in await ServiceRepository(db).list()}


async def _node_hosts(url: str) -> list[str]:
    async with Database(url) as db:
        return [n.host for n in await ComputeNodeRepository(db).list()]


def _wait_for(predicate: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_compute_registers_and_heartbeats_through_the_conductor(
    tmp_path: Path, postgresql_factory: Callable[[], str], rabbit_vhost_url: str
) -> None:
    api_url, cell_url = postgresql_factory(), postgresql_factory()
    common = write_config(
        tmp_path / "nova.conf",
        {
            "DEFAULT": {
                "host": "mp-controller",
                "transport_url": rabbit_vhost_url,
                "report_interval": 1,
                "service_down_time": 5,
                "rpc_response_timeout": 10,
                "graceful_shutdown_timeout": 10,
            },
            "api_database": {"connection": api_url},
            "database": {"connection": cell_url},
            # No placement here: reports to it fail (logged) and are retried; nothing else
            # of this test needs it.
            "placement": {
                "auth_url": "http://127.0.0.1:1/identity",
                "username": "nova",
                "password": "unused",
                "project_name": "service",
            },
        },
    )
    compute_conf = write_config(
        tmp_path / "compute.conf",
        {
            "DEFAULT": {
                "host": "mp-compute-1",
                "compute_driver": "fake.FakeDriver",
                "update_resources_interval": 2,
            },
            # A compute host has no database access: point it at nothing usable.
            "database": {"connection": "postgresql://nobody:x@127.0.0.1:1/none"},
        },
    )
    config = ["--config-file", str(common)]
    for command in (
        ["api_db", "sync"],
        ["cell_v2", "map_cell0"],
        ["cell_v2", "create_cell", "--name", "cell1"],
        ["db", "sync", "--local_cell"],
    ):
        result = run("novalite-manage", *config, *command)
        assert result.returncode == 0, result.stderr

    conductor = Service("conductor", [common], tmp_path / "conductor.log")
    compute = Service("compute", [common, compute_conf], tmp_path / "compute.log")
    try:
        conductor.wait_for_log("nova-conductor is up")
        compute.wait_for_log("nova-compute is up")

        records = asyncio.run(_services(cell_url))
        assert set(records) == {"nova-conductor", "nova-compute"}
        first = records["nova-compute"]
        assert first.host == "mp-compute-1"
        assert first.topic == "compute"
        assert first.is_up(5)

        def heartbeats() -> bool:
            now = asyncio.run(_services(cell_url))["nova-compute"]
            return now.report_count >= first.report_count + 2

        _wait_for(heartbeats, 15, "two compute heartbeats through the conductor")
        assert asyncio.run(_node_hosts(cell_url)) == ["mp-compute-1"]

        result = run("novalite-manage", *config, "cell_v2", "discover_hosts", "--verbose")
        assert result.returncode == 0, result.stderr
        assert "Found host mp-compute-1 in cell cell1" in result.stdout
    finally:
        compute_code = compute.terminate()
        conductor_code = conductor.terminate()
    assert compute_code == 0, compute.log()
    assert conductor_code == 0, conductor.log()
    for service in (compute, conductor):
        assert "stopped" in service.log()
        assert "Traceback" not in service.log()

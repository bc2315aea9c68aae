"""The all-in-one as a real process: starts, serves, stops on SIGTERM, and restarts on its data."""

import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from tests.processes import Service, write_config

pytestmark = pytest.mark.slow


def _config(tmp_path: Path) -> Path:
    return write_config(
        tmp_path / "aio.conf",
        {
            "DEFAULT": {
                "state_path": tmp_path / "data",
                "compute_driver": "fake.FakeDriver",
                "osapi_compute_listen_port": 0,
                "metadata_listen_port": 0,
                "report_interval": 1,
                "service_down_time": 5,
            }
        },
    )


def _services(data: Path) -> list[tuple[int, str, str, int]]:
    with sqlite3.connect(data / "nova.sqlite") as db:
        return db.execute(
            "SELECT id, host, binary, report_count FROM services WHERE deleted = 0 ORDER BY id"
        ).fetchall()


def test_all_in_one_runs_and_reuses_its_data_directory(tmp_path: Path) -> None:
    config = _config(tmp_path)
    first = Service("all-in-one", [config], tmp_path / "first.log")
    first.wait_for_log("novalite all-in-one is up")
    log = first.log()
    assert "created data directory" in log
    api_url = re.search(r"compute API listening on (http://\S+)", log)
    metadata_url = re.search(r"metadata listening on (http://\S+)", log)
    assert api_url and metadata_url
    resp = httpx.get(f"{api_url.group(1)}/compute/healthcheck")
    assert resp.status_code == 200
    assert resp.headers["x-compute-request-id"].startswith("req-")
    assert httpx.get(f"{metadata_url.group(1)}/healthcheck").status_code == 200
    first.wait_for_log("compute host")
    assert first.terminate() == 0
    assert "novalite all-in-one stopped" in first.log()
    assert "Traceback" not in first.log()

    services = _services(tmp_path / "data")
    binaries = {binary for _, _, binary, _ in services}
    assert binaries == {
        "nova-conductor",
        "nova-scheduler",
        "nova-compute",
        "nova-osapi_compute",
        "nova-metadata",
    }
    with sqlite3.connect(tmp_path / "data" / "nova_api.sqlite") as db:
        cells = db.execute("SELECT name FROM cell_mappings ORDER BY id").fetchall()
        hosts = db.execute("SELECT host FROM host_mappings").fetchall()
    assert cells == [("cell0",), ("cell1",)]
    assert len(hosts) == 1

    second = Service("all-in-one", [config], tmp_path / "second.log")
    second.wait_for_log("novalite all-in-one is up")
    assert "using data directory" in second.log()
    assert "mapped cell0" not in second.log()
    assert second.terminate() == 0
    assert [row[:3] for row in _services(tmp_path / "data")] == [row[:3] for row in services]
    with sqlite3.connect(tmp_path / "data" / "nova_api.sqlite") as db:
        assert db.execute("SELECT count(*) FROM cell_mappings").fetchone() == (2,)

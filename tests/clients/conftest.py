"""A running all-in-one (a real process on a free port) and its clouds.yaml."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tests.cloud_clients import CloudClients
from tests.processes import Service, write_config


class Cloud(CloudClients):
    """The all-in-one under test: its URL, clouds.yaml and log."""

    def __init__(self, service: Service, data: Path) -> None:
        self.service = service
        self.data = data
        self.clouds_yaml = data / "clouds.yaml"
        match = re.search(r"compute API listening on (http://\S+)", service.log())
        assert match, service.log()
        self.base_url = match.group(1)
        self.credentials: dict[str, str] = yaml.safe_load((data / "credentials.yaml").read_text())


@pytest.fixture(scope="package")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    tmp = tmp_path_factory.mktemp("cloud")
    config = write_config(
        tmp / "aio.conf",
        {
            "DEFAULT": {
                "state_path": tmp / "data",
                "compute_driver": "fake.FakeDriver",
                "osapi_compute_listen_port": 0,
                "metadata_listen_port": 0,
                "debug": "true",
            },
            "keystone_authtoken": {"token_cache_time": 2},
        },
    )
    service = Service("all-in-one", [config], tmp / "aio.log")
    try:
        service.wait_for_log("novalite all-in-one is up", timeout=90)
        yield Cloud(service, tmp / "data")
    finally:
        service.terminate()

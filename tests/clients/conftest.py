"""A running all-in-one (a real process on a free port) and its clouds.yaml."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import openstack.config
import openstack.connection
import pytest
import yaml

from tests.processes import BIN, Service, write_config


class Cloud:
    """The all-in-one under test: its URL, clouds.yaml and log."""

    def __init__(self, service: Service, data: Path) -> None:
        self.service = service
        self.data = data
        self.clouds_yaml = data / "clouds.yaml"
        match = re.search(r"compute API listening on (http://\S+)", service.log())
        assert match, service.log()
        self.base_url = match.group(1)
        self.credentials: dict[str, str] = yaml.safe_load((data / "credentials.yaml").read_text())

    def env(self) -> dict[str, str]:
        """Environment for the openstack CLI and openstacksdk."""
        return {**os.environ, "OS_CLIENT_CONFIG_FILE": str(self.clouds_yaml)}

    def osc(self, cloud: str, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``openstack --os-cloud <cloud> ...`` (the caller checks the result)."""
        return subprocess.run(
            [str(BIN / "openstack"), "--os-cloud", cloud, *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    def connect(self, cloud: str, **options: str) -> openstack.connection.Connection:
        """An openstacksdk connection for ``cloud`` of this clouds.yaml."""
        config = openstack.config.OpenStackConfig(config_files=[str(self.clouds_yaml)])
        return openstack.connection.Connection(config=config.get_one(cloud=cloud, **options))


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

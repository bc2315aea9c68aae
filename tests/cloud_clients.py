"""Running the openstack CLI and openstacksdk against a cloud described by a clouds.yaml."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import openstack.config
import openstack.connection

from tests.processes import BIN


class CloudClients:
    """The CLI and the SDK for the clouds (``novalite``, ``novalite-admin``) of ``clouds_yaml``."""

    clouds_yaml: Path

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

"""openstacksdk and the openstack CLI against the all-in-one's compute API (flavors, keypairs)."""

from __future__ import annotations

import subprocess
import uuid

import openstack.config
import openstack.connection
import pytest
from openstack import exceptions

from tests.clients.conftest import Cloud
from tests.processes import BIN

pytestmark = pytest.mark.slow


def connect(cloud: Cloud, name: str) -> openstack.connection.Connection:
    config = openstack.config.OpenStackConfig(config_files=[str(cloud.clouds_yaml)])
    return openstack.connection.Connection(config=config.get_one(cloud=name))


def test_sdk_flavors_admin_creates_member_reads(cloud: Cloud) -> None:
    admin = connect(cloud, "novalite-admin")
    name = f"m1.{uuid.uuid4().hex[:6]}"
    flavor = admin.compute.create_flavor(name=name, ram=512, vcpus=1, disk=1)
    assert flavor.ram == 512
    demo = connect(cloud, "novalite")
    assert name in {f.name for f in demo.compute.flavors()}
    with pytest.raises(exceptions.ForbiddenException):
        demo.compute.create_flavor(name=f"x-{name}", ram=1, vcpus=1, disk=0)
    admin.compute.delete_flavor(flavor)
    assert name not in {f.name for f in demo.compute.flavors()}


def test_cli_keypair_lifecycle_as_demo(cloud: Cloud) -> None:
    name = f"kp-{uuid.uuid4().hex[:6]}"

    def osc(*args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(BIN / "openstack"), "--os-cloud", "novalite", *args],
            env=cloud.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, (args, result.stderr)
        return result

    private = osc("keypair", "create", name).stdout
    assert "PRIVATE KEY" in private
    listed = osc("keypair", "list", "-f", "value", "-c", "Name").stdout.split()
    assert name in listed
    osc("keypair", "delete", name)
    assert name not in osc("keypair", "list", "-f", "value", "-c", "Name").stdout.split()

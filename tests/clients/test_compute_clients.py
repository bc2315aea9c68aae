"""openstacksdk and the openstack CLI against the all-in-one's compute API (flavors, keypairs)."""

from __future__ import annotations

import subprocess
import uuid

import pytest
from openstack import exceptions

from tests.clients.conftest import Cloud

pytestmark = pytest.mark.slow


def test_sdk_flavors_admin_creates_member_reads(cloud: Cloud) -> None:
    admin = cloud.connect("novalite-admin")
    name = f"m1.{uuid.uuid4().hex[:6]}"
    flavor = admin.compute.create_flavor(name=name, ram=512, vcpus=1, disk=1)
    assert flavor.ram == 512
    demo = cloud.connect("novalite")
    assert name in {f.name for f in demo.compute.flavors()}
    with pytest.raises(exceptions.ForbiddenException):
        demo.compute.create_flavor(name=f"x-{name}", ram=1, vcpus=1, disk=0)
    admin.compute.delete_flavor(flavor)
    assert name not in {f.name for f in demo.compute.flavors()}


def test_cli_keypair_lifecycle_as_demo(cloud: Cloud) -> None:
    name = f"kp-{uuid.uuid4().hex[:6]}"

    def osc(*args: str) -> subprocess.CompletedProcess[str]:
        result = cloud.osc("novalite", *args)
        assert result.returncode == 0, (args, result.stderr)
        return result

    private = osc("keypair", "create", name).stdout
    assert "PRIVATE KEY" in private
    listed = osc("keypair", "list", "-f", "value", "-c", "Name").stdout.split()
    assert name in listed
    osc("keypair", "delete", name)
    assert name not in osc("keypair", "list", "-f", "value", "-c", "Name").stdout.split()

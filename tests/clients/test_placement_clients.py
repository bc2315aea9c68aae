"""osc-placement and openstacksdk's placement proxy against the all-in-one's placement."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from tests.clients.conftest import Cloud

pytestmark = pytest.mark.slow


def osc(cloud: Cloud, *args: str) -> subprocess.CompletedProcess[str]:
    result = cloud.osc("novalite-admin", "--os-placement-api-version", "1.39", *args)
    assert result.returncode == 0, (args, result.stderr)
    return result


def test_osc_placement_drives_providers_inventory_traits_and_candidates(cloud: Cloud) -> None:
    name = f"rp-{uuid.uuid4().hex[:8]}"
    created = json.loads(osc(cloud, "resource", "provider", "create", name, "-f", "json").stdout)
    rp = created["uuid"]
    osc(
        cloud,
        "resource",
        "provider",
        "inventory",
        "set",
        rp,
        "--resource",
        "VCPU=8",
        "--resource",
        "VCPU:allocation_ratio=4.0",
        "--resource",
        "MEMORY_MB=4096",
        "--resource",
        "DISK_GB=40",
    )
    inventory = json.loads(
        osc(cloud, "resource", "provider", "inventory", "list", rp, "-f", "json").stdout
    )
    assert {row["resource_class"] for row in inventory} == {"VCPU", "MEMORY_MB", "DISK_GB"}
    osc(cloud, "trait", "create", "CUSTOM_NOVALITE_TEST")
    osc(
        cloud,
        "resource",
        "provider",
        "trait",
        "set",
        rp,
        "--trait",
        "CUSTOM_NOVALITE_TEST",
        "--trait",
        "COMPUTE_NODE",
    )
    candidates = json.loads(
        osc(
            cloud,
            "allocation",
            "candidate",
            "list",
            "--resource",
            "VCPU=20",
            "--required",
            "CUSTOM_NOVALITE_TEST",
            "-f",
            "json",
        ).stdout
    )
    assert [c["resource provider"] for c in candidates] == [rp]
    too_big = json.loads(
        osc(cloud, "allocation", "candidate", "list", "--resource", "VCPU=33", "-f", "json").stdout
    )
    assert rp not in [c["resource provider"] for c in too_big]
    osc(cloud, "resource", "provider", "delete", rp)


def test_sdk_placement_proxy(cloud: Cloud) -> None:
    conn = cloud.connect("novalite-admin", placement_api_version="1.39")
    rp = conn.placement.create_resource_provider(name=f"sdk-{uuid.uuid4().hex[:8]}")
    conn.placement.create_resource_provider_inventory(
        rp, resource_class="MEMORY_MB", total=2048, reserved=512
    )
    inventories = {i.resource_class: i for i in conn.placement.resource_provider_inventories(rp)}
    assert inventories["MEMORY_MB"].total == 2048
    assert inventories["MEMORY_MB"].reserved == 512
    conn.placement.create_trait("CUSTOM_SDK_TEST")
    assert "CUSTOM_SDK_TEST" in {t.name for t in conn.placement.traits()}
    assert rp.id in {p.id for p in conn.placement.resource_providers()}
    conn.placement.delete_resource_provider(rp)
    assert rp.id not in {p.id for p in conn.placement.resource_providers()}

"""Upstream clients against the placement app: openstacksdk's proxy and the osc-placement CLI."""

from __future__ import annotations

import asyncio
import json
import pathlib
import sys
import uuid
from collections.abc import AsyncIterator

import openstack
import pytest

from novalite.api_common.app import HttpServer
from novalite.db.engine import Database
from tests.functional.builtin.placement.conftest import make_app

OPENSTACK_CLI = pathlib.Path(sys.executable).parent / "openstack"


@pytest.fixture
async def placement_url(placement_db: Database) -> AsyncIterator[str]:
    """A real HTTP listener of the placement app (test admin middleware)."""
    server = HttpServer("placement-test", make_app(placement_db), "127.0.0.1", 0)
    await server.start()
    yield server.url
    await server.stop(5)


def _sdk_calls(url: str) -> dict[str, object]:
    conn = openstack.connect(
        auth_type="none",
        placement_endpoint_override=url,
        placement_api_version="1.39",
        region_name="RegionOne",
    )
    rp_uuid = str(uuid.uuid4())
    provider = conn.placement.create_resource_provider(name="sdk-node", id=rp_uuid)
    fetched = conn.placement.get_resource_provider(rp_uuid)
    inventory = conn.placement.create_resource_provider_inventory(
        rp_uuid, resource_class="VCPU", total=8, allocation_ratio=4.0
    )
    inventories = list(conn.placement.resource_provider_inventories(rp_uuid))
    conn.placement.create_trait("CUSTOM_SDK")
    traits = [t.id for t in conn.placement.traits(name="startswith:CUSTOM_")]
    rp_traits = conn.placement.get_resource_provider_trait(rp_uuid)
    rp_traits = conn.placement.set_resource_provider_trait(
        rp_traits,
        traits=["CUSTOM_SDK", "COMPUTE_NODE"],
        resource_provider_generation=rp_traits.resource_provider_generation,
    )
    names = [rp.name for rp in conn.placement.resource_providers()]
    return {
        "created": provider.name,
        "inventory_total": inventory.total,
        "inventories": [(i.resource_class, i.total) for i in inventories],
        "traits": traits,
        "rp_traits": sorted(conn.placement.get_resource_provider_trait(rp_uuid).traits or []),
        "generation": fetched.generation,
        "names": names,
    }


async def test_openstacksdk_placement_proxy(placement_url: str) -> None:
    result = await asyncio.to_thread(_sdk_calls, placement_url)
    assert result["created"] == "sdk-node"
    assert result["inventory_total"] == 8
    assert result["inventories"] == [("VCPU", 8)]
    assert result["traits"] == ["CUSTOM_SDK"]
    assert result["names"] == ["sdk-node"]
    assert result["rp_traits"] == ["COMPUTE_NODE", "CUSTOM_SDK"]


async def _cli(url: str, *args: str) -> object:
    process = await asyncio.create_subprocess_exec(
        str(OPENSTACK_CLI),
        "--os-auth-type",
        "none",
        "--os-endpoint",
        url,
        "--os-placement-api-version",
        "1.39",
        *args,
        "-f",
        "json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    return json.loads(out)


@pytest.mark.slow
async def test_osc_placement_cli(placement_url: str) -> None:
    rp_uuid = str(uuid.uuid4())
    created = await _cli(
        placement_url, "resource", "provider", "create", "--uuid", rp_uuid, "cli-node"
    )
    assert isinstance(created, dict) and created["uuid"] == rp_uuid
    inventory = await _cli(
        placement_url,
        "resource",
        "provider",
        "inventory",
        "set",
        rp_uuid,
        "--resource",
        "VCPU=8",
        "--resource",
        "MEMORY_MB=2048",
    )
    assert isinstance(inventory, list)
    assert {row["resource_class"]: row["total"] for row in inventory} == {
        "VCPU": 8,
        "MEMORY_MB": 2048,
    }
    listed = await _cli(placement_url, "resource", "provider", "list")
    assert isinstance(listed, list) and [row["name"] for row in listed] == ["cli-node"]
    traits = await _cli(placement_url, "trait", "list")
    assert isinstance(traits, list) and {"name": "COMPUTE_NODE"} in traits

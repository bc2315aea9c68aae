"""What nova-compute and the scheduler do (PLACEMENT.md section 7), at nova's microversions."""

from __future__ import annotations

import uuid

import httpx

from tests.functional.builtin.placement.conftest import mv

NODE = str(uuid.uuid4())
INSTANCE = str(uuid.uuid4())
MIGRATION = str(uuid.uuid4())
TARGET = str(uuid.uuid4())


async def _ensure_node(client: httpx.AsyncClient, node: str, name: str) -> None:
    assert (await client.get(f"/resource_providers/{node}", headers=mv("1.14"))).status_code == 404
    response = await client.post(
        "/resource_providers", json={"uuid": node, "name": name}, headers=mv("1.20")
    )
    assert response.status_code == 200
    for path, version in (("inventories", "1.14"), ("traits", "1.6"), ("aggregates", "1.19")):
        assert (
            await client.get(f"/resource_providers/{node}/{path}", headers=mv(version))
        ).status_code == 200
    response = await client.get(f"/resource_providers?in_tree={node}", headers=mv("1.14"))
    assert [rp["uuid"] for rp in response.json()["resource_providers"]] == [node]
    inventories = {
        "VCPU": {
            "total": 8,
            "reserved": 0,
            "min_unit": 1,
            "max_unit": 8,
            "step_size": 1,
            "allocation_ratio": 4.0,
        },
        "MEMORY_MB": {
            "total": 16384,
            "reserved": 512,
            "min_unit": 1,
            "max_unit": 16384,
            "step_size": 1,
            "allocation_ratio": 1.0,
        },
        "DISK_GB": {
            "total": 100,
            "reserved": 0,
            "min_unit": 1,
            "max_unit": 100,
            "step_size": 1,
            "allocation_ratio": 1.0,
        },
    }
    body = {"resource_provider_generation": 0, "inventories": inventories}
    response = await client.put(
        f"/resource_providers/{node}/inventories", json=body, headers=mv("1.26")
    )
    assert response.status_code == 200
    response = await client.get(
        "/traits?name=in:COMPUTE_NODE,OWNER_NOVA,CUSTOM_FOO", headers=mv("1.6")
    )
    assert {"COMPUTE_NODE", "OWNER_NOVA"} <= set(response.json()["traits"])
    assert (await client.put("/traits/CUSTOM_FOO", headers=mv("1.6"))).status_code in (201, 204)
    body = {
        "traits": ["COMPUTE_NODE", "OWNER_NOVA", "CUSTOM_FOO"],
        "resource_provider_generation": 1,
    }
    response = await client.put(f"/resource_providers/{node}/traits", json=body, headers=mv("1.6"))
    assert response.status_code == 200


async def test_nova_lifecycle(client: httpx.AsyncClient) -> None:
    await _ensure_node(client, NODE, "host1")
    await _ensure_node(client, TARGET, "host2")
    # the scheduler claims what a candidate proposed
    claim = {
        "allocations": {NODE: {"resources": {"VCPU": 2, "MEMORY_MB": 2048, "DISK_GB": 10}}},
        "mappings": {"": [NODE]},
        "project_id": "proj",
        "user_id": "user",
        "consumer_generation": None,
    }
    response = await client.put(f"/allocations/{INSTANCE}", json=claim, headers=mv("1.36"))
    assert response.status_code == 204, response.text
    current = (await client.get(f"/allocations/{INSTANCE}", headers=mv("1.28"))).json()
    assert current["consumer_generation"] == 1
    # a migration: the source allocation moves to the migration, the instance claims the target
    move = {
        MIGRATION: {
            "allocations": {NODE: {"resources": current["allocations"][NODE]["resources"]}},
            "project_id": "proj",
            "user_id": "user",
            "consumer_generation": None,
        },
        INSTANCE: {
            "allocations": {TARGET: {"resources": {"VCPU": 2, "MEMORY_MB": 2048, "DISK_GB": 10}}},
            "project_id": "proj",
            "user_id": "user",
            "consumer_generation": 1,
        },
    }
    assert (await client.post("/allocations", json=move, headers=mv("1.28"))).status_code == 204
    response = await client.get(f"/resource_providers/{NODE}/allocations")
    assert list(response.json()["allocations"]) == [MIGRATION]
    response = await client.get("/usages?project_id=proj", headers=mv("1.9"))
    assert response.json()["usages"] == {"VCPU": 4, "MEMORY_MB": 4096, "DISK_GB": 20}
    # confirm the migration, delete the instance, then the compute service
    assert (await client.delete(f"/allocations/{MIGRATION}")).status_code == 204
    assert (await client.delete(f"/allocations/{INSTANCE}")).status_code == 204
    assert (await client.delete(f"/resource_providers/{NODE}")).status_code == 204
    response = await client.get("/resource_providers?name=host1")
    assert response.json() == {"resource_providers": []}

"""Allocations (all body forms), consumer generations and types, usages, reshaper."""

from __future__ import annotations

import uuid

import httpx

from tests.functional.builtin.placement.conftest import mv

RP = "3b4005be-d64b-456f-ba36-0ffd02718868"
RP2 = "7d2590ae-fb85-4080-9306-058b4c915e3f"


async def _setup(client: httpx.AsyncClient) -> None:
    for name, rp in (("cn1", RP), ("cn2", RP2)):
        response = await client.post(
            "/resource_providers", json={"name": name, "uuid": rp}, headers=mv("1.20")
        )
        assert response.status_code == 200
        inv = {
            "resource_provider_generation": 0,
            "inventories": {
                "VCPU": {"total": 8, "allocation_ratio": 4.0},
                "MEMORY_MB": {"total": 4096, "reserved": 512, "step_size": 256, "max_unit": 2048},
            },
        }
        response = await client.put(
            f"/resource_providers/{rp}/inventories", json=inv, headers=mv("1.26")
        )
        assert response.status_code == 200


def _dict_body(
    resources: dict[str, int], generation: int | None = None, rp: str = RP
) -> dict[str, object]:
    return {
        "allocations": {rp: {"resources": resources}},
        "project_id": "proj",
        "user_id": "user",
        "consumer_generation": generation,
    }


async def test_consumer_generations(client: httpx.AsyncClient) -> None:
    await _setup(client)
    consumer = str(uuid.uuid4())
    url = f"/allocations/{consumer}"
    assert (await client.get(url, headers=mv("1.28"))).json() == {"allocations": {}}
    response = await client.put(url, json=_dict_body({"VCPU": 2}, 0), headers=mv("1.28"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "placement.concurrent_update"
    response = await client.put(url, json=_dict_body({"VCPU": 2}), headers=mv("1.28"))
    assert response.status_code == 204
    body = (await client.get(url, headers=mv("1.28"))).json()
    assert body["consumer_generation"] == 1 and body["project_id"] == "proj"
    assert body["allocations"][RP]["resources"] == {"VCPU": 2}
    assert "consumer_type" not in body
    response = await client.put(url, json=_dict_body({"VCPU": 3}), headers=mv("1.28"))
    assert response.status_code == 409
    response = await client.put(url, json=_dict_body({"VCPU": 3}, 1), headers=mv("1.28"))
    assert response.status_code == 204
    body = (await client.get(url, headers=mv("1.12"))).json()
    assert set(body) == {"allocations", "project_id", "user_id"}
    body = (await client.get(url, headers=mv("1.0"))).json()
    assert set(body) == {"allocations"} and body["allocations"][RP]["generation"] == 3
    assert (await client.delete(url)).status_code == 204
    assert (await client.delete(url)).status_code == 404


async def test_capacity_and_constraints(client: httpx.AsyncClient) -> None:
    await _setup(client)
    url = f"/allocations/{uuid.uuid4()}"
    response = await client.put(url, json=_dict_body({"VCPU": 33}), headers=mv("1.28"))
    assert response.status_code == 409
    assert "exceed the capacity" in response.json()["errors"][0]["detail"]
    response = await client.put(url, json=_dict_body({"MEMORY_MB": 300}), headers=mv("1.28"))
    assert response.status_code == 400
    assert "violates min_unit, max_unit, or step_size" in response.json()["errors"][0]["detail"]
    response = await client.put(url, json=_dict_body({"DISK_GB": 1}), headers=mv("1.28"))
    assert response.status_code == 409
    response = await client.put(
        url, json=_dict_body({"VCPU": 1}, rp=str(uuid.uuid4())), headers=mv("1.28")
    )
    assert response.status_code == 400
    response = await client.put(url, json=_dict_body({"VCPU": 32}), headers=mv("1.28"))
    assert response.status_code == 204


async def test_list_form_and_project_requirements(client: httpx.AsyncClient) -> None:
    await _setup(client)
    url = f"/allocations/{uuid.uuid4()}"
    body: dict[str, object] = {
        "allocations": [{"resource_provider": {"uuid": RP}, "resources": {"VCPU": 1}}]
    }
    assert (await client.put(url, json=body, headers=mv("1.7"))).status_code == 204
    assert (await client.put(url, json=body, headers=mv("1.8"))).status_code == 400
    body |= {"project_id": "p", "user_id": "u"}
    assert (await client.put(url, json=body, headers=mv("1.8"))).status_code == 204
    assert (await client.put(url, json=body, headers=mv("1.12"))).status_code == 400


async def test_post_allocations_and_types(client: httpx.AsyncClient) -> None:
    await _setup(client)
    instance, migration = str(uuid.uuid4()), str(uuid.uuid4())
    body = {instance: {**_dict_body({"VCPU": 2, "MEMORY_MB": 512}), "consumer_type": "INSTANCE"}}
    assert (await client.post("/allocations", json=body, headers=mv("1.38"))).status_code == 204
    assert (await client.post("/allocations", json=body, headers=mv("1.12"))).status_code == 404
    # move: the migration takes the source allocation, the instance claims the target
    body = {
        migration: {**_dict_body({"VCPU": 2, "MEMORY_MB": 512}), "consumer_type": "MIGRATION"},
        instance: {**_dict_body({"VCPU": 2}, 1, RP2), "consumer_type": "INSTANCE"},
    }
    assert (await client.post("/allocations", json=body, headers=mv("1.38"))).status_code == 204
    response = await client.get(f"/allocations/{migration}", headers=mv("1.38"))
    assert response.json()["consumer_type"] == "MIGRATION"
    response = await client.get("/usages?project_id=proj", headers=mv("1.38"))
    assert response.json() == {
        "usages": {
            "INSTANCE": {"VCPU": 2, "consumer_count": 1},
            "MIGRATION": {"VCPU": 2, "MEMORY_MB": 512, "consumer_count": 1},
        }
    }
    response = await client.get("/usages?project_id=proj&user_id=user", headers=mv("1.9"))
    assert response.json() == {"usages": {"VCPU": 4, "MEMORY_MB": 512}}
    assert (await client.get("/usages", headers=mv("1.9"))).status_code == 400
    assert (await client.get("/usages?project_id=proj", headers=mv("1.8"))).status_code == 404
    # an empty allocations dict deletes that consumer's allocations
    body = {migration: {**_dict_body({}, 1), "allocations": {}, "consumer_type": "MIGRATION"}}
    assert (await client.post("/allocations", json=body, headers=mv("1.38"))).status_code == 204
    assert (await client.get(f"/allocations/{migration}")).json() == {"allocations": {}}


async def test_reshaper(client: httpx.AsyncClient) -> None:
    await _setup(client)
    consumer = str(uuid.uuid4())
    assert (
        await client.put(
            f"/allocations/{consumer}", json=_dict_body({"VCPU": 4}), headers=mv("1.28")
        )
    ).status_code == 204
    gens = {
        rp: (await client.get(f"/resource_providers/{rp}")).json()["generation"] for rp in (RP, RP2)
    }
    body = {
        "inventories": {
            RP: {
                "resource_provider_generation": gens[RP],
                "inventories": {"MEMORY_MB": {"total": 4096}},
            },
            RP2: {"resource_provider_generation": gens[RP2], "inventories": {"VCPU": {"total": 8}}},
        },
        "allocations": {consumer: {**_dict_body({"VCPU": 4}, 1, RP2)}},
    }
    assert (await client.post("/reshaper", json=body, headers=mv("1.29"))).status_code == 404
    response = await client.post("/reshaper", json=body, headers=mv("1.30"))
    assert response.status_code == 204, response.text
    response = await client.get(f"/allocations/{consumer}", headers=mv("1.30"))
    assert list(response.json()["allocations"]) == [RP2]
    response = await client.post("/reshaper", json=body, headers=mv("1.30"))
    assert response.status_code == 409


async def test_over_capacity_provider_may_shrink(client: httpx.AsyncClient) -> None:
    await _setup(client)
    consumer = str(uuid.uuid4())
    url = f"/allocations/{consumer}"
    assert (
        await client.put(url, json=_dict_body({"VCPU": 30}), headers=mv("1.28"))
    ).status_code == 204
    generation = (await client.get(f"/resource_providers/{RP}")).json()["generation"]
    inv = {"resource_provider_generation": generation, "inventories": {"VCPU": {"total": 4}}}
    response = await client.put(f"/resource_providers/{RP}/inventories", json=inv)
    assert response.status_code == 200  # over capacity now (30 of 4): allowed, as upstream
    assert (
        await client.put(url, json=_dict_body({"VCPU": 31}, 1), headers=mv("1.28"))
    ).status_code == 409
    assert (
        await client.put(url, json=_dict_body({"VCPU": 20}, 1), headers=mv("1.28"))
    ).status_code == 204

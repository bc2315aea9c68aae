"""Traits, resource classes and aggregates across microversions."""

from __future__ import annotations

import uuid

import httpx
import os_resource_classes  # type: ignore[import-untyped]
import os_traits  # type: ignore[import-untyped]

from tests.functional.builtin.placement.conftest import mv

RP = "3b4005be-d64b-456f-ba36-0ffd02718868"


async def _provider(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/resource_providers", json={"name": "cn", "uuid": RP}, headers=mv("1.20")
    )
    assert response.status_code == 200


async def test_traits(client: httpx.AsyncClient) -> None:
    assert (await client.get("/traits", headers=mv("1.5"))).status_code == 404
    listed = (await client.get("/traits", headers=mv("1.6"))).json()["traits"]
    assert set(os_traits.get_traits()) <= set(listed)
    response = await client.put("/traits/CUSTOM_GOLD", headers=mv("1.6"))
    assert response.status_code == 201 and response.headers["location"].endswith(
        "/traits/CUSTOM_GOLD"
    )
    assert (await client.put("/traits/CUSTOM_GOLD", headers=mv("1.6"))).status_code == 204
    assert (await client.put("/traits/GOLD", headers=mv("1.6"))).status_code == 400
    assert (await client.get("/traits/CUSTOM_GOLD", headers=mv("1.6"))).status_code == 204
    assert (await client.get("/traits/CUSTOM_NOPE", headers=mv("1.6"))).status_code == 404
    response = await client.get("/traits?name=startswith:CUSTOM_", headers=mv("1.6"))
    assert response.json() == {"traits": ["CUSTOM_GOLD"]}
    response = await client.get("/traits?name=in:CUSTOM_GOLD,COMPUTE_NODE", headers=mv("1.6"))
    assert response.json() == {"traits": ["COMPUTE_NODE", "CUSTOM_GOLD"]}
    assert (await client.get("/traits?name=bogus", headers=mv("1.6"))).status_code == 400
    assert (await client.get("/traits?associated=maybe", headers=mv("1.6"))).status_code == 400
    await _provider(client)
    url = f"/resource_providers/{RP}/traits"
    response = await client.put(
        url,
        json={"traits": ["CUSTOM_GOLD", "COMPUTE_NODE"], "resource_provider_generation": 0},
        headers=mv("1.6"),
    )
    assert response.json() == {
        "traits": ["COMPUTE_NODE", "CUSTOM_GOLD"],
        "resource_provider_generation": 1,
    }
    response = await client.put(
        url, json={"traits": ["CUSTOM_NOPE"], "resource_provider_generation": 1}, headers=mv("1.6")
    )
    assert response.status_code == 400
    response = await client.put(
        url, json={"traits": [], "resource_provider_generation": 0}, headers=mv("1.23")
    )
    assert response.json()["errors"][0]["code"] == "placement.concurrent_update"
    response = await client.get("/traits?associated=true&name=startswith:CUSTOM", headers=mv("1.6"))
    assert response.json() == {"traits": ["CUSTOM_GOLD"]}
    assert (await client.delete("/traits/CUSTOM_GOLD", headers=mv("1.6"))).status_code == 409
    assert (await client.delete("/traits/COMPUTE_NODE", headers=mv("1.6"))).status_code == 400
    assert (await client.delete(url, headers=mv("1.6"))).status_code == 204
    assert (await client.get(url, headers=mv("1.6"))).json() == {
        "traits": [],
        "resource_provider_generation": 2,
    }
    assert (await client.delete("/traits/CUSTOM_GOLD", headers=mv("1.6"))).status_code == 204


async def test_resource_classes(client: httpx.AsyncClient) -> None:
    assert (await client.get("/resource_classes", headers=mv("1.1"))).status_code == 404
    listed = (await client.get("/resource_classes", headers=mv("1.2"))).json()["resource_classes"]
    assert [rc["name"] for rc in listed] == list(os_resource_classes.STANDARDS)
    response = await client.post("/resource_classes", json={"name": "CUSTOM_A"}, headers=mv("1.2"))
    assert response.status_code == 201 and response.headers["location"].endswith(
        "/resource_classes/CUSTOM_A"
    )
    assert (
        await client.post("/resource_classes", json={"name": "CUSTOM_A"}, headers=mv("1.2"))
    ).status_code == 409
    assert (
        await client.post("/resource_classes", json={"name": "A"}, headers=mv("1.2"))
    ).status_code == 400
    response = await client.put(
        "/resource_classes/CUSTOM_A", json={"name": "CUSTOM_B"}, headers=mv("1.2")
    )
    assert response.status_code == 200 and response.json()["name"] == "CUSTOM_B"
    assert (await client.put("/resource_classes/CUSTOM_B", headers=mv("1.7"))).status_code == 204
    assert (await client.put("/resource_classes/CUSTOM_C", headers=mv("1.7"))).status_code == 201
    assert (await client.put("/resource_classes/VCPU", headers=mv("1.7"))).status_code == 400
    response = await client.get("/resource_classes/CUSTOM_C", headers=mv("1.2"))
    assert response.json() == {
        "name": "CUSTOM_C",
        "links": [{"rel": "self", "href": "/resource_classes/CUSTOM_C"}],
    }
    assert (await client.get("/resource_classes/CUSTOM_X", headers=mv("1.2"))).status_code == 404
    await _provider(client)
    inv = {"resource_provider_generation": 0, "inventories": {"CUSTOM_C": {"total": 1}}}
    assert (await client.put(f"/resource_providers/{RP}/inventories", json=inv)).status_code == 200
    assert (await client.delete("/resource_classes/CUSTOM_C", headers=mv("1.2"))).status_code == 409
    assert (await client.delete("/resource_classes/VCPU", headers=mv("1.2"))).status_code == 400
    assert (await client.delete("/resource_classes/CUSTOM_B", headers=mv("1.2"))).status_code == 204


async def test_aggregates(client: httpx.AsyncClient) -> None:
    await _provider(client)
    url = f"/resource_providers/{RP}/aggregates"
    agg1, agg2 = sorted(str(uuid.uuid4()) for _ in range(2))
    assert (await client.get(url, headers=mv("1.0"))).status_code == 404
    assert (await client.get(url, headers=mv("1.1"))).json() == {"aggregates": []}
    response = await client.put(url, json=[agg1, agg2], headers=mv("1.1"))
    assert response.status_code == 200 and response.json() == {"aggregates": [agg1, agg2]}
    response = await client.get(url, headers=mv("1.19"))
    assert response.json() == {"aggregates": [agg1, agg2], "resource_provider_generation": 0}
    response = await client.put(url, json=[agg1], headers=mv("1.19"))
    assert response.status_code == 400
    response = await client.put(
        url, json={"aggregates": [agg2], "resource_provider_generation": 0}, headers=mv("1.19")
    )
    assert response.json() == {"aggregates": [agg2], "resource_provider_generation": 1}
    response = await client.put(
        url, json={"aggregates": [], "resource_provider_generation": 0}, headers=mv("1.19")
    )
    assert response.status_code == 409

"""Resource providers, inventories, usages and the protocol basics, across microversions."""

from __future__ import annotations

import uuid

import httpx

from tests.functional.builtin.placement.conftest import mv

RP = "3b4005be-d64b-456f-ba36-0ffd02718868"
CHILD = "7d2590ae-fb85-4080-9306-058b4c915e3f"


async def _provider(
    client: httpx.AsyncClient, name: str = "cn1", uuid_: str = RP, **extra: str
) -> None:
    response = await client.post(
        "/resource_providers", json={"name": name, "uuid": uuid_, **extra}, headers=mv("1.20")
    )
    assert response.status_code == 200, response.text


async def test_root_and_version_headers(client: httpx.AsyncClient) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert response.headers["openstack-api-version"] == "placement 1.0"
    assert response.headers["vary"] == "openstack-api-version"
    assert response.json()["versions"][0]["max_version"] == "1.39"
    response = await client.get("/", headers=mv("latest"))
    assert response.headers["openstack-api-version"] == "placement 1.39"


async def test_bad_microversions(client: httpx.AsyncClient) -> None:
    response = await client.get("/resource_providers", headers=mv("0.5"))
    assert response.status_code == 406
    error = response.json()["errors"][0]
    assert "Unacceptable version header: 0.5" in error["detail"]
    assert (error["min_version"], error["max_version"]) == ("1.0", "1.39")
    for bad in ("pony.horse", "1.2.3", "1.a"):
        response = await client.get("/resource_providers", headers=mv(bad))
        assert response.status_code == 400, bad
        assert response.headers["openstack-api-version"] == "placement 1.0"


async def test_create_versions(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/resource_providers", json={"name": "old", "uuid": RP}, headers=mv("1.19")
    )
    assert response.status_code == 201
    assert response.headers["location"].endswith(f"/resource_providers/{RP}")
    assert response.content == b""
    response = await client.post("/resource_providers", json={"name": "new"}, headers=mv("1.20"))
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {
        "uuid",
        "name",
        "generation",
        "links",
        "parent_provider_uuid",
        "root_provider_uuid",
    }
    assert body["root_provider_uuid"] == body["uuid"] and body["parent_provider_uuid"] is None
    assert response.headers["cache-control"] == "no-cache" and "last-modified" in response.headers
    response = await client.post("/resource_providers", json={"name": "new"}, headers=mv("1.23"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "placement.duplicate_name"
    response = await client.get(f"/resource_providers/{RP}", headers=mv("1.0"))
    assert set(response.json()) == {"uuid", "name", "generation", "links"}
    assert [link["rel"] for link in response.json()["links"]] == ["self", "inventories", "usages"]
    assert "last-modified" not in response.headers


async def test_nested_and_reparent(client: httpx.AsyncClient) -> None:
    await _provider(client)
    await _provider(client, "child", CHILD, parent_provider_uuid=RP)
    response = await client.get(f"/resource_providers?in_tree={RP}", headers=mv("1.14"))
    assert {p["uuid"] for p in response.json()["resource_providers"]} == {RP, CHILD}
    other = str(uuid.uuid4())
    await _provider(client, "other", other)
    body = {"name": "child", "parent_provider_uuid": other}
    response = await client.put(f"/resource_providers/{CHILD}", json=body, headers=mv("1.36"))
    assert response.status_code == 400
    response = await client.put(f"/resource_providers/{CHILD}", json=body, headers=mv("1.37"))
    assert response.status_code == 200
    assert response.json()["root_provider_uuid"] == other
    response = await client.delete(f"/resource_providers/{other}", headers=mv("1.37"))
    assert response.status_code == 409
    response = await client.put(
        f"/resource_providers/{other}",
        json={"name": "other", "parent_provider_uuid": CHILD},
        headers=mv("1.37"),
    )
    assert response.status_code == 400  # loop
    assert (await client.delete(f"/resource_providers/{CHILD}")).status_code == 204
    assert (await client.delete(f"/resource_providers/{CHILD}")).status_code == 404


async def test_inventories_flow(client: httpx.AsyncClient) -> None:
    await _provider(client)
    base = f"/resource_providers/{RP}/inventories"
    body = {
        "resource_provider_generation": 0,
        "inventories": {
            "VCPU": {"total": 8, "allocation_ratio": 4.0},
            "MEMORY_MB": {"total": 1024, "reserved": 1024},
        },
    }
    response = await client.put(base, json=body, headers=mv("1.25"))
    assert response.status_code == 400  # reserved == total before 1.26
    response = await client.put(base, json=body, headers=mv("1.26"))
    assert response.status_code == 200
    assert response.json()["resource_provider_generation"] == 1
    assert response.json()["inventories"]["VCPU"] == {
        "total": 8,
        "reserved": 0,
        "min_unit": 1,
        "max_unit": 2147483647,
        "step_size": 1,
        "allocation_ratio": 4.0,
    }
    response = await client.put(base, json=body, headers=mv("1.26"))
    assert response.status_code == 409
    response = await client.put(base, json=body, headers=mv("1.23"))
    assert response.json()["errors"][0]["code"] == "placement.concurrent_update"
    response = await client.get(f"{base}/VCPU")
    assert response.json()["total"] == 8 and response.json()["resource_provider_generation"] == 1
    response = await client.put(
        f"{base}/VCPU", json={"resource_provider_generation": 1, "total": 16}
    )
    assert response.status_code == 200 and response.json()["total"] == 16
    response = await client.post(
        base, json={"resource_provider_generation": 2, "resource_class": "DISK_GB", "total": 100}
    )
    assert response.status_code == 201
    assert response.headers["location"].endswith("/inventories/DISK_GB")
    response = await client.post(
        base, json={"resource_provider_generation": 3, "resource_class": "CUSTOM_NOPE", "total": 1}
    )
    assert response.status_code == 400
    assert (await client.delete(f"{base}/DISK_GB")).status_code == 204
    assert (await client.get(f"{base}/DISK_GB")).status_code == 404
    assert (await client.delete(base, headers=mv("1.4"))).status_code == 405
    assert (await client.delete(base, headers=mv("1.5"))).status_code == 204
    assert (await client.get(base)).json()["inventories"] == {}


async def test_usages_and_allocation_inuse(client: httpx.AsyncClient) -> None:
    await _provider(client)
    inv = {
        "resource_provider_generation": 0,
        "inventories": {"VCPU": {"total": 4}, "DISK_GB": {"total": 10}},
    }
    assert (await client.put(f"/resource_providers/{RP}/inventories", json=inv)).status_code == 200
    consumer = str(uuid.uuid4())
    alloc = {"allocations": [{"resource_provider": {"uuid": RP}, "resources": {"VCPU": 2}}]}
    assert (await client.put(f"/allocations/{consumer}", json=alloc)).status_code == 204
    response = await client.get(f"/resource_providers/{RP}/usages")
    assert response.json() == {
        "resource_provider_generation": 2,
        "usages": {"VCPU": 2, "DISK_GB": 0},
    }
    response = await client.delete(f"/resource_providers/{RP}/inventories/VCPU", headers=mv("1.23"))
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "placement.inventory.inuse"
    response = await client.delete(f"/resource_providers/{RP}", headers=mv("1.23"))
    assert response.json()["errors"][0]["code"] == "placement.resource_provider.inuse"
    response = await client.get(f"/resource_providers/{RP}/allocations")
    assert response.json()["allocations"] == {consumer: {"resources": {"VCPU": 2}}}


async def test_list_filters(client: httpx.AsyncClient) -> None:
    await _provider(client)
    await _provider(client, "b", CHILD)
    agg = str(uuid.uuid4())
    body = {"aggregates": [agg], "resource_provider_generation": 0}
    assert (
        await client.put(f"/resource_providers/{CHILD}/aggregates", json=body, headers=mv("1.19"))
    ).status_code == 200
    traits = {"traits": ["HW_CPU_X86_AVX"], "resource_provider_generation": 0}
    assert (
        await client.put(f"/resource_providers/{RP}/traits", json=traits, headers=mv("1.6"))
    ).status_code == 200
    inv = {"resource_provider_generation": 1, "inventories": {"VCPU": {"total": 4}}}
    assert (await client.put(f"/resource_providers/{RP}/inventories", json=inv)).status_code == 200

    async def names(query: str, version: str = "1.39") -> list[str]:
        response = await client.get(f"/resource_providers?{query}", headers=mv(version))
        assert response.status_code == 200, response.text
        return sorted(p["name"] for p in response.json()["resource_providers"])

    assert await names("name=b") == ["b"]
    assert await names(f"uuid={RP}") == ["cn1"]
    assert await names(f"member_of={agg}") == ["b"]
    assert await names(f"member_of=in:{agg},{uuid.uuid4()}") == ["b"]
    assert await names(f"member_of=!{agg}") == ["cn1"]
    assert await names("resources=VCPU:4") == ["cn1"]
    assert await names("resources=VCPU:5") == []
    assert await names("required=HW_CPU_X86_AVX") == ["cn1"]
    assert await names("required=!HW_CPU_X86_AVX") == ["b"]
    assert await names("required=in:HW_CPU_X86_AVX,HW_CPU_X86_SSE") == ["cn1"]
    response = await client.get("/resource_providers?member_of=x", headers=mv("1.3"))
    assert response.status_code == 400
    response = await client.get("/resource_providers?required=NOPE_NOT_A_TRAIT", headers=mv("1.18"))
    assert response.status_code == 400
    response = await client.get("/resource_providers?required=HW_CPU_X86_AVX", headers=mv("1.17"))
    assert response.status_code == 400
    response = await client.get("/resource_providers?resources=VCPU", headers=mv("1.4"))
    assert response.status_code == 400
    response = await client.get(
        f"/resource_providers?member_of={agg}&member_of={agg}", headers=mv("1.23")
    )
    assert response.status_code == 400

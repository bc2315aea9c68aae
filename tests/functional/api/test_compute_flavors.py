"""Flavors, flavor access and extra specs over HTTP, as admin and as project members."""

from __future__ import annotations

from typing import Any

import httpx

from tests.functional.api.conftest import ADMIN, MEMBER, OTHER, ClientFactory, headers


async def _create(
    client: httpx.AsyncClient, version: str = "2.1", *, public: bool = True, **fields: object
) -> Any:
    flavor = {"name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1} | fields
    if not public:
        flavor["os-flavor-access:is_public"] = False
    response = await client.post(
        "/v2.1/flavors", json={"flavor": flavor}, headers=headers(ADMIN, version)
    )
    assert response.status_code == 200, response.text
    return response.json()["flavor"]


async def test_create_generates_uuid_id_and_defaults(client: httpx.AsyncClient) -> None:
    flavor = await _create(client)
    assert len(flavor["id"]) == 36
    assert flavor["swap"] == "" and flavor["OS-FLV-EXT-DATA:ephemeral"] == 0
    assert flavor["rxtx_factor"] == 1.0 and flavor["os-flavor-access:is_public"] is True
    assert "description" not in flavor
    assert flavor["links"][0]["href"] == f"http://compute.test/v2.1/flavors/{flavor['id']}"
    assert flavor["links"][1]["href"] == f"http://compute.test/flavors/{flavor['id']}"


async def test_shapes_per_microversion(client: httpx.AsyncClient) -> None:
    await _create(client, "2.55", id="7", description="d", swap="0")
    shown = {}
    for version in ("2.54", "2.55", "2.61", "2.75", "2.102"):
        r = await client.get("/v2.1/flavors/7", headers=headers(MEMBER, version))
        shown[version] = r.json()["flavor"]
    assert "description" not in shown["2.54"] and shown["2.55"]["description"] == "d"
    assert "extra_specs" not in shown["2.55"] and shown["2.61"]["extra_specs"] == {}
    assert shown["2.61"]["swap"] == "" and shown["2.75"]["swap"] == 0
    assert "rxtx_factor" in shown["2.75"] and "rxtx_factor" not in shown["2.102"]
    assert "OS-FLV-DISABLED:disabled" not in shown["2.102"]


async def test_duplicates_conflict(client: httpx.AsyncClient) -> None:
    await _create(client, id="1")
    r = await client.post(
        "/v2.1/flavors",
        json={"flavor": {"name": "m1.tiny", "ram": 1, "vcpus": 1, "disk": 1}},
        headers=ADMIN,
    )
    assert r.status_code == 409
    assert r.json() == {
        "conflictingRequest": {"code": 409, "message": "Flavor with name m1.tiny already exists."}
    }
    r = await client.post(
        "/v2.1/flavors",
        json={"flavor": {"name": "other", "ram": 1, "vcpus": 1, "disk": 1, "id": "1"}},
        headers=ADMIN,
    )
    assert r.json()["conflictingRequest"]["message"] == "Flavor with ID 1 already exists."


async def test_member_cannot_manage(client: httpx.AsyncClient) -> None:
    flavor = await _create(client, id="1")
    r = await client.delete(f"/v2.1/flavors/{flavor['id']}", headers=MEMBER)
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Policy doesn't allow os_compute_api:os-flavor-manage:delete to be performed."
    )


async def test_update_description_and_delete(client: httpx.AsyncClient) -> None:
    await _create(client, "2.55", id="1")
    r = await client.put(
        "/v2.1/flavors/1",
        json={"flavor": {"description": "new"}},
        headers=headers(ADMIN, "2.55"),
    )
    assert r.status_code == 200 and r.json()["flavor"]["description"] == "new"
    r = await client.put(
        "/v2.1/flavors/1", json={"flavor": {"description": "x"}}, headers=headers(ADMIN, "2.54")
    )
    assert r.status_code == 404
    assert (await client.delete("/v2.1/flavors/1", headers=ADMIN)).status_code == 202
    r = await client.get("/v2.1/flavors/1", headers=MEMBER)
    assert r.json() == {"itemNotFound": {"code": 404, "message": "Flavor 1 could not be found."}}


async def test_visibility_filters_sort_and_paging(client_factory: ClientFactory) -> None:
    client = client_factory(max_limit=2)
    await _create(client, id="1", name="a", ram=512, disk=1)
    await _create(client, id="2", name="b", ram=1024, disk=10)
    await _create(client, id="3", name="c", ram=2048, disk=20)
    await _create(client, id="4", name="private", public=False)
    r = await client.post(
        "/v2.1/flavors/4/action", json={"addTenantAccess": {"tenant": "alice-project"}},
        headers=ADMIN,
    )  # fmt: skip
    assert r.status_code == 200

    async def ids(who: dict[str, str], query: str = "", version: str = "2.1") -> list[str]:
        response = await client.get(f"/v2.1/flavors{query}", headers=headers(who, version))
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["flavors"]]

    assert await ids(MEMBER, "?limit=10") == ["1", "2"]  # capped at max_limit
    page = (await client.get("/v2.1/flavors", headers=MEMBER)).json()
    assert page["flavors_links"][0]["href"] == "http://compute.test/v2.1/flavors?marker=2"
    assert await ids(MEMBER, "?marker=2") == ["3", "4"]
    assert await ids(OTHER, "?marker=2") == ["3"]
    assert await ids(ADMIN, "?is_public=none&marker=3") == ["4"]
    assert await ids(ADMIN, "?is_public=false") == ["4"]
    assert await ids(MEMBER, "?minRam=1024&minDisk=15") == ["3"]
    assert await ids(MEMBER, "?sort_key=name&sort_dir=desc&limit=1") == ["4"]
    assert await ids(OTHER, "?sort_key=memory_mb&sort_dir=desc") == ["3", "2"]
    assert await ids(MEMBER, "?name=b", "2.102") == ["2"]
    r = await client.get("/v2.1/flavors?marker=nope", headers=MEMBER)
    assert r.json()["badRequest"]["message"] == "Marker nope could not be found."
    r = await client.get("/v2.1/flavors?minRam=x", headers=MEMBER)
    assert r.json()["badRequest"]["message"] == "Invalid minRam filter [x]"
    r = await client.get("/v2.1/flavors?limit=-1", headers=MEMBER)
    assert r.json()["badRequest"]["message"] == (
        "Invalid input for query parameters limit. Value: -1. '-1' does not match '^[0-9]*$'"
    )
    r = await client.get("/v2.1/flavors?foo=1", headers=headers(MEMBER, "2.102"))
    assert r.status_code == 400
    r = await client.get("/v2.1/flavors/detail?sort_key=bogus", headers=headers(MEMBER, "2.75"))
    assert r.status_code == 400


async def test_flavor_access(client: httpx.AsyncClient) -> None:
    await _create(client, id="pub")
    await _create(client, id="priv", name="priv", public=False)
    add = {"addTenantAccess": {"tenant": "p1"}}
    r = await client.post("/v2.1/flavors/pub/action", json=add, headers=headers(ADMIN, "2.7"))
    assert r.json() == {
        "conflictingRequest": {"code": 409, "message": "Can not add access to a public flavor."}
    }
    r = await client.get("/v2.1/flavors/pub/os-flavor-access", headers=ADMIN)
    assert r.status_code == 404
    r = await client.post("/v2.1/flavors/priv/action", json=add, headers=ADMIN)
    assert r.json() == {"flavor_access": [{"flavor_id": "priv", "tenant_id": "p1"}]}
    r = await client.post("/v2.1/flavors/priv/action", json=add, headers=ADMIN)
    assert r.status_code == 409
    r = await client.post("/v2.1/flavors/priv/action", json=add, headers=MEMBER)
    assert r.status_code == 403
    r = await client.post(
        "/v2.1/flavors/priv/action", json={"removeTenantAccess": {"tenant": "p2"}}, headers=ADMIN
    )
    assert r.json()["itemNotFound"]["message"] == (
        "Flavor access not found for priv / p2 combination."
    )
    r = await client.post("/v2.1/flavors/priv/action", json={"bogus": {}}, headers=ADMIN)
    assert r.json()["badRequest"]["message"] == "There is no such action: bogus"
    r = await client.post("/v2.1/flavors/priv/action", json={"a": 1, "b": 2}, headers=ADMIN)
    assert r.json()["badRequest"]["message"] == "Malformed request body"


async def test_extra_specs(client: httpx.AsyncClient) -> None:
    await _create(client, id="1")
    url = "/v2.1/flavors/1/os-extra_specs"
    r = await client.post(url, json={"extra_specs": {"a": "1", "b": 2}}, headers=ADMIN)
    assert r.json() == {"extra_specs": {"a": "1", "b": "2"}}
    r = await client.post(url, json={"extra_specs": {"a": "x"}}, headers=MEMBER)
    assert r.status_code == 403
    assert (await client.get(url, headers=MEMBER)).json() == {"extra_specs": {"a": "1", "b": "2"}}
    assert (await client.get(f"{url}/a", headers=MEMBER)).json() == {"a": "1"}
    r = await client.put(f"{url}/a", json={"b": "3"}, headers=ADMIN)
    assert r.json()["badRequest"]["message"] == "Request body and URI mismatch"
    r = await client.put(f"{url}/a", json={"a": "3", "b": "3"}, headers=ADMIN)
    assert r.json()["badRequest"]["message"] == "Request body contains too many items"
    assert (await client.put(f"{url}/a", json={"a": "3"}, headers=ADMIN)).json() == {"a": "3"}
    assert (await client.delete(f"{url}/a", headers=ADMIN)).status_code == 200
    r = await client.get(f"{url}/a", headers=MEMBER)
    assert r.json()["itemNotFound"]["message"] == "Flavor 1 has no extra specs with key a."
    r = await client.get("/v2.1/flavors/1", headers=headers(MEMBER, "2.61"))
    assert r.json()["flavor"]["extra_specs"] == {"b": "2"}
    r = await client.get("/v2.1/flavors/nope/os-extra_specs", headers=MEMBER)
    assert r.status_code == 404


async def test_sizes_given_as_strings_are_bounded_as_nova_does(client: httpx.AsyncClient) -> None:
    cases = {
        "16425163586": "Invalid input received: memory_mb must be <= 2147483647",
        "000": "Invalid input received: memory_mb must be >= 1",
    }
    for ram, message in cases.items():
        body = {"flavor": {"name": "big", "ram": ram, "vcpus": 1, "disk": "1"}}
        response = await client.post("/v2.1/flavors", json=body, headers=headers(ADMIN))
        assert response.status_code == 400, response.text
        assert response.json() == {"badRequest": {"code": 400, "message": message}}

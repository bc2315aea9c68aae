"""Bad requests get placement's 4xx and error body, never a 500."""

from __future__ import annotations

import httpx
import pytest

from tests.functional.builtin.placement.conftest import mv

RP = "3b4005be-d64b-456f-ba36-0ffd02718868"


def _error(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    body = response.json()
    error: dict[str, object] = body["errors"][0]
    assert (
        error["status"] == status
        and error["request_id"] == response.headers["openstack-request-id"]
    )
    return error


async def test_malformed_json_and_content_types(client: httpx.AsyncClient) -> None:
    headers = {**mv("1.23"), "Content-Type": "application/json"}
    error = _error(await client.post("/resource_providers", content=b"{nope", headers=headers), 400)
    assert "Malformed JSON" in str(error["detail"])
    assert error["code"] == "placement.undefined_code"
    headers = {**mv("1.23"), "Content-Type": "text/plain"}
    _error(await client.post("/resource_providers", content=b'{"name": "x"}', headers=headers), 415)
    response = await client.post(
        "/resource_providers", content=b'{"name": "x"}', headers=mv("1.23")
    )
    _error(response, 400)
    response = await client.get("/resource_providers", headers={"Accept": "text/html"})
    _error(response, 406)


@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"name": "x", "color": "red"},
        {"name": "x", "uuid": "not-a-uuid"},
        {"name": "x" * 201},
        [],
    ],
)
async def test_schema_violations(client: httpx.AsyncClient, body: object) -> None:
    error = _error(await client.post("/resource_providers", json=body, headers=mv("1.20")), 400)
    assert "JSON does not validate" in str(error["detail"])


async def test_huge_body(client: httpx.AsyncClient) -> None:
    body = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'"}'
    headers = {"Content-Type": "application/json"}
    _error(await client.post("/resource_providers", content=body, headers=headers), 413)


async def test_bad_uuids_and_queries(client: httpx.AsyncClient) -> None:
    _error(await client.get("/resource_providers/not-a-uuid"), 404)
    _error(await client.get("/resource_providers?uuid=nope"), 400)
    _error(await client.get("/resource_providers?color=red"), 400)
    _error(await client.put("/allocations/nope", json={"allocations": []}), 400)
    _error(await client.get("/resource_providers?in_tree=nope", headers=mv("1.14")), 400)
    body = {"allocations": {"nope": {"resources": {"VCPU": 1}}}, "project_id": "p", "user_id": "u"}
    _error(await client.put(f"/allocations/{RP}", json=body, headers=mv("1.12")), 400)
    body = {"allocations": {RP: {"resources": {"VCPU": "1"}}}, "project_id": "p", "user_id": "u"}
    _error(await client.put(f"/allocations/{RP}", json=body, headers=mv("1.12")), 400)
    inv = {"resource_provider_generation": 0, "inventories": {"VCPU": {"total": "8"}}}
    _error(await client.put(f"/resource_providers/{RP}/inventories", json=inv), 400)


async def test_unknown_paths_and_methods(client: httpx.AsyncClient) -> None:
    response = await client.get("/nothing-here")
    assert response.status_code == 404
    response = await client.patch("/resource_providers")
    _error(response, 405)
    assert response.headers["allow"] == "GET, POST"

"""Every route, junk bodies and query strings at several microversions: never a 500."""

from __future__ import annotations

import itertools

import httpx

from novalite.builtin.placement.handler import ROUTE_DECLARATIONS
from tests.functional.builtin.placement.conftest import mv

RP = "3b4005be-d64b-456f-ba36-0ffd02718868"
JUNK: list[object] = [
    None,
    [],
    {},
    "x",
    5,
    {"a": 1},
    [{"resource_provider": {}}],
    {"allocations": {RP: {}}},
]
VERSIONS = ("1.0", "1.14", "1.28", "1.39")


def _fill(path: str) -> str:
    return (
        path.replace("{uuid}", RP)
        .replace("{consumer_uuid}", RP)
        .replace("{resource_class}", "VCPU")
        .replace("{name}", "CUSTOM_X")
    )


async def test_no_server_errors(client: httpx.AsyncClient) -> None:
    response = await client.post("/resource_providers", json={"name": "cn", "uuid": RP})
    assert response.status_code == 201
    for path, methods in ROUTE_DECLARATIONS.items():
        url = _fill(path)
        for method, version, body in itertools.product(methods, VERSIONS, JUNK):
            response = await client.request(method, url, json=body, headers=mv(version))
            assert response.status_code < 500, (method, url, version, body, response.text)
        for query in ("member_of=!", "required=!", "resources=VCPU:x", "in_tree=", "name=in:"):
            response = await client.get(f"{url}?{query}", headers=mv("1.39"))
            assert response.status_code < 500, (url, query, response.text)

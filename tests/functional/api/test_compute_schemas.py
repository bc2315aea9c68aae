"""Every response of every served route, at every microversion boundary, matches nova's schema."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from novalite.api.schemas import handler_schema, schema
from novalite.api_common.microversion import Version
from tests.functional.api.conftest import ADMIN, MEMBER, headers

VERSIONS = [
    "2.1", "2.2", "2.7", "2.10", "2.35", "2.54", "2.55", "2.60", "2.61",
    "2.74", "2.75", "2.85", "2.86", "2.91", "2.92", "2.101", "2.102", "2.104",
]  # fmt: skip

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDr4v9sRF/8hwkF1Y0R1a9eLnJbl7Q3zqzsJ8bJ6mGhE test"


def _check(response: httpx.Response, module: str, handler: str, version: str) -> None:
    found = handler_schema(module, handler, "response_body", Version.parse(version))
    assert found is not None, (module, handler, version)
    body: Any = response.json() if response.content else None
    jsonschema.Draft4Validator(found).validate(body)


@pytest.mark.parametrize("version", VERSIONS)
async def test_responses_match_schemas(client: httpx.AsyncClient, version: str) -> None:
    admin, member = headers(ADMIN, version), headers(MEMBER, version)
    v = Version.parse(version)
    flavor: dict[str, Any] = {"name": "f1", "ram": 512, "vcpus": 1, "disk": 1, "id": "f1"}
    if v >= (2, 55):
        flavor["description"] = "tiny"
    r = await client.post("/v2.1/flavors", json={"flavor": flavor}, headers=admin)
    assert r.status_code == 200, r.text
    _check(r, "flavors", "FlavorsController.create", version)
    private: dict[str, Any] = {"name": "p1", "ram": 512, "vcpus": 1, "disk": 1, "id": "p1"}
    private["os-flavor-access:is_public"] = False
    assert (await client.post("/v2.1/flavors", json={"flavor": private}, headers=admin)).is_success

    calls: list[tuple[str, str, Any, dict[str, str], str, str]] = [
        ("GET", "/v2.1/flavors?limit=1", None, member, "flavors", "FlavorsController.index"),
        ("GET", "/v2.1/flavors/detail", None, admin, "flavors", "FlavorsController.detail"),
        ("GET", "/v2.1/flavors/f1", None, member, "flavors", "FlavorsController.show"),
        ("POST", "/v2.1/flavors/f1/os-extra_specs", {"extra_specs": {"hw:numa_nodes": "1"}},
         admin, "flavors_extraspecs", "FlavorExtraSpecsController.create"),
        ("GET", "/v2.1/flavors/f1/os-extra_specs", None, member,
         "flavors_extraspecs", "FlavorExtraSpecsController.index"),
        ("GET", "/v2.1/flavors/f1/os-extra_specs/hw:numa_nodes", None, member,
         "flavors_extraspecs", "FlavorExtraSpecsController.show"),
        ("PUT", "/v2.1/flavors/f1/os-extra_specs/hw:numa_nodes", {"hw:numa_nodes": "2"}, admin,
         "flavors_extraspecs", "FlavorExtraSpecsController.update"),
        ("DELETE", "/v2.1/flavors/f1/os-extra_specs/hw:numa_nodes", None, admin,
         "flavors_extraspecs", "FlavorExtraSpecsController.delete"),
        ("POST", "/v2.1/flavors/p1/action", {"addTenantAccess": {"tenant": "alice-project"}},
         admin, "flavor_access", "FlavorActionController._add_tenant_access"),
        ("GET", "/v2.1/flavors/p1/os-flavor-access", None, admin,
         "flavor_access", "FlavorAccessController.index"),
        ("POST", "/v2.1/flavors/p1/action", {"removeTenantAccess": {"tenant": "alice-project"}},
         admin, "flavor_access", "FlavorActionController._remove_tenant_access"),
        ("POST", "/v2.1/os-keypairs", {"keypair": {"name": "imported", "public_key": PUBLIC_KEY}},
         member, "keypairs", "KeypairController.create"),
        ("GET", "/v2.1/os-keypairs?limit=1", None, member, "keypairs", "KeypairController.index"),
        ("GET", "/v2.1/os-keypairs/imported", None, member, "keypairs", "KeypairController.show"),
        ("DELETE", "/v2.1/os-keypairs/imported", None, member,
         "keypairs", "KeypairController.delete"),
        ("DELETE", "/v2.1/flavors/f1", None, admin, "flavors", "FlavorsController.delete"),
    ]  # fmt: skip
    if v >= (2, 55):
        calls.insert(
            3,
            ("PUT", "/v2.1/flavors/f1", {"flavor": {"description": "new"}}, admin,
             "flavors", "FlavorsController.update"),
        )  # fmt: skip
    if v < (2, 92):
        calls.append(
            ("POST", "/v2.1/os-keypairs", {"keypair": {"name": "generated"}}, member,
             "keypairs", "KeypairController.create"),
        )  # fmt: skip
    for method, path, body, who, module, handler in calls:
        response = await client.request(method, path, json=body, headers=who)
        assert response.is_success, (method, path, response.status_code, response.text)
        assert response.headers["OpenStack-API-Version"] == f"compute {version}"
        _check(response, module, handler, version)


async def test_version_documents_match_schemas(client: httpx.AsyncClient) -> None:
    root = await client.get("/")
    jsonschema.Draft4Validator(schema("versions", "index_response")).validate(root.json())
    v21 = await client.get("/v2.1/", headers=ADMIN)
    jsonschema.Draft4Validator(schema("versions", "show_response")).validate(v21.json())

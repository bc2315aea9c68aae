"""Every servers response, at several microversions, matches nova's response schema."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
import pytest

from novalite.api.schemas import handler_schema
from novalite.api_common.microversion import Version
from novalite.domain.instance import InstanceFault
from tests.functional.api.conftest import ADMIN, MEMBER, ServersEnv, headers
from tests.functional.api.test_compute_servers import make_flavor, server_body

VERSIONS = ["2.1", "2.3", "2.9", "2.16", "2.19", "2.26", "2.47", "2.63", "2.71", "2.73", "2.75",
            "2.85"]  # fmt: skip


def check_schema(response: httpx.Response, module: str, handler: str, version: str) -> None:
    """``response``'s body matches nova's response schema of ``handler`` at ``version``."""
    found = handler_schema(module, handler, "response_body", Version.parse(version))
    assert found is not None, (handler, version)
    body: Any = response.json() if response.content else None
    jsonschema.Draft202012Validator(
        found, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(body)


@pytest.mark.parametrize("version", VERSIONS)
async def test_servers_responses_match_schemas(servers_env: ServersEnv, version: str) -> None:
    env = servers_env
    await make_flavor(env.client)
    v = Version.parse(version)
    extra: dict[str, Any] = {"networks": "auto"} if v >= (2, 37) else {}
    member, admin = headers(MEMBER, version), headers(ADMIN, version)

    def servers(handler: str, response: httpx.Response) -> None:
        assert response.is_success, response.text
        check_schema(response, "servers", f"ServersController.{handler}", version)

    created = []
    for name in ("active", "error", "pending"):
        r = await env.client.post("/v2.1/servers", json=server_body(name, **extra), headers=member)
        servers("create", r)
        created.append(r.json()["server"]["id"])
    r = await env.client.post(
        "/v2.1/servers",
        json=server_body("many", max_count=2, return_reservation_id=True, **extra),
        headers=member,
    )
    servers("create", r)
    active, failed, pending = created
    await env.schedule(active, metadata={"k": "v"}, key_name=None)
    await env.schedule(failed, env.cell0, host=None, vm_state="error")
    await env.instances(env.cell0).add_fault(
        InstanceFault(instance_uuid=failed, code=500, message="No valid host", details="x")
    )
    for who in (member, admin):
        servers("index", await env.client.get("/v2.1/servers?limit=2", headers=who))
        servers("detail", await env.client.get("/v2.1/servers/detail?limit=3", headers=who))
        servers("detail", await env.client.get("/v2.1/servers/detail?all_tenants=1", headers=admin))
        for server in (active, failed, pending):
            servers("show", await env.client.get(f"/v2.1/servers/{server}", headers=who))
    update = {"server": {"name": "renamed"}}
    servers("update", await env.client.put(f"/v2.1/servers/{active}", json=update, headers=member))
    servers("update", await env.client.put(f"/v2.1/servers/{active}", json=update, headers=admin))
    for action, handler in (
        ({"os-stop": None}, "_stop"),
        ({"reboot": {"type": "HARD"}}, "_reboot"),
    ):
        r = await env.client.post(f"/v2.1/servers/{active}/action", json=action, headers=member)
        assert r.status_code == 202, r.text
        servers(handler, r)
        await env.instances(env.cell1).update(active, {"task_state": None})
    servers("delete", await env.client.delete(f"/v2.1/servers/{pending}", headers=member))
    r = await env.client.post(
        f"/v2.1/servers/{failed}/action", json={"forceDelete": None}, headers=member
    )
    assert r.status_code == 202
    check_schema(r, "deferred_delete", "DeferredDeleteController._force_delete", version)

"""First flows: discovery, password auth, validation."""

from __future__ import annotations

import httpx

from .harness import IdentityServer


async def test_discovery(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    resp = await client.get(f"{identity.url}/")
    assert resp.status_code == 300
    href = resp.json()["versions"]["values"][0]["links"][0]["href"]
    assert href == f"{identity.url}/v3/"
    assert resp.headers["location"] == href
    resp = await client.get(f"{identity.url}/v3")
    assert resp.status_code == 200
    assert resp.json()["version"]["id"] == "v3.14"


async def test_password_project_token(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"{identity.url}/v3/auth/tokens",
        json=identity.password_auth("admin", "admin-secret-pw", "admin"),
    )
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert {r["name"] for r in token["roles"]} == {"admin", "manager", "member", "reader"}
    assert token["project"]["name"] == "admin"
    assert {s["type"] for s in token["catalog"]} >= {"identity", "compute", "placement"}
    tid = resp.headers["X-Subject-Token"]
    resp = await client.get(
        f"{identity.url}/v3/auth/tokens", headers={"X-Auth-Token": tid, "X-Subject-Token": tid}
    )
    assert resp.status_code == 200, resp.text

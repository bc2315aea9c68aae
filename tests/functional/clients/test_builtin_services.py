"""The clients and the auth middleware against the built-in identity and placement services.

Everything runs in-process: one ASGI app serves ``/identity`` and ``/placement`` (placement
behind :class:`AuthMiddleware` validating tokens at identity through :class:`IdentityClient`),
and the clients reach it through ``httpx.ASGITransport``.
"""

from __future__ import annotations

import pathlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from novalite.clients.identity import IdentityClient, PasswordAuth, PasswordCredentials
from novalite.clients.placement import PlacementClient
from novalite.errors import AuthenticationFailed, InvalidToken, PlacementConflict
from tests.embedded_builtins import BASE, embedded_builtins, password_auth, placement_client


class Cloud:
    """The in-process cloud and an HTTP client wired to it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    def auth(self, user: str = "nova", project: str = "service") -> PasswordAuth:
        return password_auth(self.http, user, project)

    def placement(self) -> PlacementClient:
        return placement_client(self.http)


@pytest.fixture
async def cloud(tmp_path: pathlib.Path) -> AsyncIterator[Cloud]:
    async with embedded_builtins(tmp_path, http_timeout=10) as http:
        yield Cloud(http)


async def test_password_auth_and_catalog(cloud: Cloud) -> None:
    auth = cloud.auth()
    token = await auth.get_token()
    assert token
    info = await auth.get_info()
    assert info.has_role("admin")
    catalog = await auth.get_catalog()
    assert catalog.endpoint_for("placement", ["internal", "public"]) == f"{BASE}/placement"


async def test_wrong_password(cloud: Cloud) -> None:
    auth = PasswordAuth(
        PasswordCredentials(
            f"{BASE}/identity", username="nova", password="nope", project_name="service"
        ),
        client=cloud.http,
    )
    with pytest.raises(AuthenticationFailed):
        await auth.get_token()


async def test_validate_tokens(cloud: Cloud) -> None:
    identity = IdentityClient(cloud.auth())
    demo = await cloud.auth("demo", "demo").get_token()
    info = await identity.validate_token(demo)
    assert info.user_name == "demo"
    assert info.project_name == "demo"
    with pytest.raises(InvalidToken):
        await identity.validate_token("not-a-token")


async def test_placement_requires_a_token(cloud: Cloud) -> None:
    root = await cloud.http.get("/placement/")
    assert root.status_code == 200
    r = await cloud.http.get("/placement/resource_providers")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == f'Keystone uri="{BASE}/identity"'
    bad = await cloud.http.get("/placement/resource_providers", headers={"X-Auth-Token": "x"})
    assert bad.status_code == 401


async def test_report_client_flow(cloud: Cloud) -> None:
    pc = cloud.placement()
    rp = str(uuid.uuid4())
    provider = await pc.ensure_provider(rp, "host1")
    assert provider["uuid"] == rp
    assert (await pc.ensure_provider(rp, "host1"))["uuid"] == rp
    inventories: dict[str, dict[str, Any]] = {
        "VCPU": {"total": 8, "allocation_ratio": 4.0},
        "MEMORY_MB": {"total": 8192, "reserved": 512},
        "DISK_GB": {"total": 100},
    }
    await pc.set_inventory(rp, inventories)
    # A stale cached generation is refreshed and the write retried.
    pc._generations[rp] = 0
    await pc.set_inventory(rp, inventories)
    await pc.ensure_resource_class("CUSTOM_GOLD")
    await pc.set_traits(rp, ["COMPUTE_NODE", "CUSTOM_FAST"])
    agg = str(uuid.uuid4())
    await pc.set_aggregates(rp, [agg])

    candidates = await pc.get_allocation_candidates(
        {"VCPU": 2, "MEMORY_MB": 1024}, required=["CUSTOM_FAST"], limit=5
    )
    requests = candidates["allocation_requests"]
    assert len(requests) == 1
    assert rp in candidates["provider_summaries"]

    instance = str(uuid.uuid4())
    await pc.claim(instance, requests[0], "project-1", "user-1")
    allocations = await pc.get_allocations(instance)
    assert allocations["allocations"][rp]["resources"] == {"VCPU": 2, "MEMORY_MB": 1024}
    assert await pc.get_usages("project-1") == {"VCPU": 2, "MEMORY_MB": 1024}
    with pytest.raises(PlacementConflict):
        await pc.claim(instance, requests[0], "project-1", "user-1", consumer_generation=None)

    migration = str(uuid.uuid4())
    assert await pc.move_allocations(instance, migration)
    assert (await pc.get_allocations(instance))["allocations"] == {}
    assert rp in (await pc.get_allocations(migration))["allocations"]
    assert await pc.delete_allocations(migration)
    assert not await pc.delete_allocations(migration)
    assert await pc.delete_provider(rp)
    assert await pc.get_provider(rp) is None

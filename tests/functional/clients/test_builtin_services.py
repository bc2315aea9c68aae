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
from starlette.middleware import Middleware

identity_pkg = pytest.importorskip("novalite.builtin.identity")
placement_app = pytest.importorskip("novalite.builtin.placement.app")
placement_options = pytest.importorskip("novalite.builtin.placement.options")

from novalite.api_common.app import mount_services  # noqa: E402
from novalite.api_common.auth import AuthMiddleware  # noqa: E402
from novalite.api_common.token_cache import CachingTokenValidator  # noqa: E402
from novalite.api_common.tokens import TokenInfo  # noqa: E402
from novalite.clients.identity import IdentityClient, PasswordAuth, PasswordCredentials  # noqa: E402
from novalite.clients.placement import PlacementClient  # noqa: E402
from novalite.clients.session import EndpointFilter, ServiceSession  # noqa: E402
from novalite.db.engine import Database  # noqa: E402
from novalite.errors import AuthenticationFailed, InvalidToken, PlacementConflict  # noqa: E402

BASE = "http://cloud.test"
PASSWORDS = {"admin": "admin-pw", "demo": "demo-pw", "nova": "nova-pw"}


class Cloud:
    """The in-process cloud and an HTTP client wired to it."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    def auth(self, user: str = "nova", project: str = "service") -> PasswordAuth:
        creds = PasswordCredentials(
            auth_url=f"{BASE}/identity",
            username=user,
            password=PASSWORDS[user],
            project_name=project,
        )
        return PasswordAuth(creds, client=self.http)

    def placement(self) -> PlacementClient:
        session = ServiceSession(self.auth(), EndpointFilter("placement"), client=self.http)
        return PlacementClient(session)


@pytest.fixture
async def cloud(tmp_path: pathlib.Path) -> AsyncIterator[Cloud]:
    identity_db = Database(f"sqlite:///{tmp_path}/identity.sqlite")
    placement_db = Database(f"sqlite:///{tmp_path}/placement.sqlite")
    options = identity_pkg.IdentityOptions(key_repository=tmp_path / "keys")
    await identity_pkg.bootstrap(
        identity_db,
        base_url=BASE,
        region="RegionOne",
        admin_password=PASSWORDS["admin"],
        demo_password=PASSWORDS["demo"],
        service_password=PASSWORDS["nova"],
    )
    await placement_app.prepare_placement_db(placement_db)
    holder: dict[str, httpx.AsyncClient] = {}

    # The placement app validates tokens at identity over the same in-process transport.
    class LazyValidator:
        def __init__(self) -> None:
            self.inner: CachingTokenValidator | None = None

        async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
            if self.inner is None:
                service_auth = Cloud(holder["http"]).auth()
                self.inner = CachingTokenValidator(IdentityClient(service_auth))
            return await self.inner.validate(token, allow_expired=allow_expired)

    app = mount_services(
        {
            "/identity": identity_pkg.create_identity_app(options, identity_db),
            "/placement": placement_app.create_placement_app(
                placement_options.PlacementOptions(),
                placement_db,
                middleware=[
                    Middleware(
                        AuthMiddleware,
                        validator=LazyValidator(),
                        www_authenticate_uri=f"{BASE}/identity",
                    )
                ],
            ),
        }
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=BASE, timeout=10
    ) as http:
        holder["http"] = http
        yield Cloud(http)
    await identity_db.dispose()
    await placement_db.dispose()


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

"""openstacksdk's compute proxy against the compute API over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import openstack
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from novalite.api.app import create_compute_app
from novalite.api.microversion import IMPLEMENTED_VERSION, MAX_VERSION
from novalite.api_common.app import HttpServer
from novalite.context import RequestContext
from novalite.db.engine import Database
from tests.functional.api.test_compute_keypairs import SAMPLE_FINGERPRINT, SAMPLE_KEY


class AdminContextMiddleware:
    """Test-only auth: every request acts as an admin."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["context"] = RequestContext(
                user_id="admin-user", project_id="admin-project", roles=("admin",), is_admin=True
            )
        await self.app(scope, receive, send)


@pytest.fixture(params=["default", "implemented"])
async def compute_url(api_db: Database, request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """A real HTTP listener of the compute app, at the default and the implemented maximum."""
    app = create_compute_app(
        [Middleware(AdminContextMiddleware)],
        db=api_db,
        max_version=IMPLEMENTED_VERSION if request.param == "implemented" else MAX_VERSION,
    )
    server = HttpServer("compute-test", app, "127.0.0.1", 0)
    await server.start()
    yield f"{server.url}/v2.1"
    await server.stop(5)


def _sdk_calls(url: str) -> dict[str, object]:
    conn = openstack.connect(
        auth_type="none", compute_endpoint_override=url, region_name="RegionOne"
    )
    flavor = conn.compute.create_flavor(
        name="sdk.small", ram=256, vcpus=1, disk=1, id="sdk1", description="from sdk"
    )
    conn.compute.create_flavor_extra_specs(flavor, {"hw:cpu_policy": "shared"})
    fetched = conn.compute.get_flavor("sdk1", get_extra_specs=True)
    names = [f.name for f in conn.compute.flavors()]
    keypair = conn.compute.create_keypair(name="sdk-key", public_key=SAMPLE_KEY)
    keypairs = [k.name for k in conn.compute.keypairs()]
    conn.compute.delete_keypair("sdk-key")
    conn.compute.delete_flavor("sdk1")
    return {
        "flavor": (fetched.name, fetched.ram, fetched.description, fetched.extra_specs),
        "names": names,
        "fingerprint": keypair.fingerprint,
        "keypairs": keypairs,
        "after": [f.name for f in conn.compute.flavors()],
    }


async def test_openstacksdk_compute_proxy(compute_url: str) -> None:
    result = await asyncio.to_thread(_sdk_calls, compute_url)
    assert result["flavor"] == ("sdk.small", 256, "from sdk", {"hw:cpu_policy": "shared"})
    assert result["names"] == ["sdk.small"]
    assert result["fingerprint"] == SAMPLE_FINGERPRINT
    assert result["keypairs"] == ["sdk-key"]
    assert result["after"] == []

"""ServiceSession: endpoint selection, headers, re-authentication and typed errors."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from novalite.clients.catalog import Catalog
from novalite.clients.identity import PasswordAuth, PasswordCredentials
from novalite.clients.session import EndpointFilter, ServiceSession, error_code, error_detail
from novalite.context import RequestContext
from novalite.errors import (
    AuthenticationFailed,
    EndpointNotFound,
    ServiceHTTPError,
    ServiceUnreachable,
)
from tests.unit.clients.fakes import AUTH_URL, CATALOG, PLACEMENT_URL, FakeKeystone


class Tokens:
    """A TokenProvider handing out t1, t2, ..."""

    def __init__(self) -> None:
        self.n = 1
        self.invalidated: list[str] = []

    async def get_token(self) -> str:
        return f"t{self.n}"

    async def get_catalog(self) -> Catalog:
        return Catalog(CATALOG)

    def invalidate(self, token: str) -> None:
        self.invalidated.append(token)
        self.n += 1


def session(
    handler: Callable[[httpx.Request], httpx.Response],
    tokens: Tokens | None = None,
    endpoint_override: str | None = None,
) -> ServiceSession:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ServiceSession(
        tokens or Tokens(),
        EndpointFilter("placement", endpoint_override=endpoint_override),
        client=http,
    )


async def test_headers_and_endpoint_from_catalog() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    s = session(handler)
    ctx = RequestContext(global_request_id="req-g")
    await s.get("/traits", microversion="1.6", context=ctx, params={"name": "in:A,B"})
    request = seen[0]
    assert str(request.url).startswith(PLACEMENT_URL + "/traits?")
    assert request.url.params["name"] == "in:A,B"
    assert request.headers["x-auth-token"] == "t1"
    assert request.headers["openstack-api-version"] == "placement 1.6"
    assert request.headers["x-openstack-request-id"] == "req-g"
    await s.get("/", context=RequestContext(request_id="req-local"))
    assert seen[1].headers["x-openstack-request-id"] == "req-local"
    assert "openstack-api-version" not in seen[1].headers


async def test_endpoint_override_and_missing_endpoint() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(204)

    s = session(handler, endpoint_override="http://override/p/")
    assert await s.endpoint() == "http://override/p"
    missing = ServiceSession(Tokens(), EndpointFilter("image"))
    with pytest.raises(EndpointNotFound):
        await missing.get("/")
    await missing.aclose()


async def test_reauthenticates_once_on_401() -> None:
    tokens = Tokens()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["x-auth-token"] == "t1":
            return httpx.Response(401)
        return httpx.Response(200, json={"ok": True})

    r = await session(handler, tokens).get("/x")
    assert r.json() == {"ok": True}
    assert tokens.invalidated == ["t1"]


async def test_second_401_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401)

    with pytest.raises(AuthenticationFailed):
        await session(handler).get("/x")


async def test_5xx_and_connection_errors_are_typed_one_liners() -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            503, json={"errors": [{"status": 503, "detail": "db\n  is down", "title": "x"}]}
        )

    with pytest.raises(ServiceHTTPError) as info:
        await session(broken).get("/x")
    assert str(info.value) == "placement GET /x returned 503: db is down"
    assert info.value.kwargs["status"] == 503

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    with pytest.raises(ServiceUnreachable) as unreachable:
        await session(refuse).get("/x")
    message = str(unreachable.value)
    assert "Connection refused" in message
    assert "t1" not in message
    assert "\n" not in message


async def test_4xx_returned_to_caller() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            409, json={"errors": [{"code": "placement.concurrent_update", "detail": "gen"}]}
        )

    r = await session(handler).put("/x", json={})
    assert r.status_code == 409
    assert error_code(r) == "placement.concurrent_update"
    assert error_detail(r) == "gen"


def test_error_detail_formats() -> None:
    nova = httpx.Response(400, json={"badRequest": {"code": 400, "message": "bad thing"}})
    keystone = httpx.Response(401, json={"error": {"code": 401, "message": "who?"}})
    text = httpx.Response(500, text="plain\ntext")
    assert error_detail(nova) == "bad thing"
    assert error_detail(keystone) == "who?"
    assert error_detail(text) == "plain text"
    assert error_code(text) is None


async def test_with_password_auth_end_to_end() -> None:
    keystone = FakeKeystone()

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "keystone.test":
            return keystone(request)
        ok = keystone.valid(request.headers.get("x-auth-token"))
        return httpx.Response(200 if ok else 401, json={})

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    auth = PasswordAuth(
        PasswordCredentials(AUTH_URL, username="nova", password="secret", project_name="service"),
        client=http,
    )
    s = ServiceSession(auth, EndpointFilter("placement"), client=http)
    assert (await s.get("/")).status_code == 200
    keystone.revoked.add(await auth.get_token())
    assert (await s.get("/")).status_code == 200  # renewed after the 401


async def test_connect_retries() -> None:
    attempts: list[int] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(1)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused")
        return httpx.Response(200, json={})

    http = httpx.AsyncClient(transport=httpx.MockTransport(flaky))
    s = ServiceSession(
        Tokens(), EndpointFilter("placement"), client=http, connect_retries=2, retry_delay=0
    )
    assert (await s.get("/")).status_code == 200
    assert len(attempts) == 3
    attempts.clear()
    s.connect_retries = 1
    with pytest.raises(ServiceUnreachable):
        await s.get("/")

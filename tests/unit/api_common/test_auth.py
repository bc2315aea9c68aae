"""Authentication middleware: keystone tokens and noauth2."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.types import Message, Receive, Scope, Send

from novalite.api_common.app import create_app
from novalite.api_common.auth import AuthMiddleware, NoAuthMiddleware
from novalite.api_common.tokens import TokenInfo
from novalite.context import RequestContext
from novalite.errors import InvalidToken, ServiceUnreachable

FUTURE = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
GLOBAL_ID = "req-11111111-2222-3333-4444-555555555555"


class FakeValidator:
    """Tokens "good" (member), "admin", "svc" (service role), "expired" (if allowed)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, bool]] = []
        self.down = False

    async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
        self.calls.append((token, allow_expired))
        if self.down:
            raise ServiceUnreachable(service="identity", url="http://id", reason="refused")
        roles = {"good": ("member", "reader"), "admin": ("admin",), "svc": ("service",)}
        if token in roles:
            return TokenInfo(
                user_id=f"u-{token}",
                user_name=token,
                project_id="p1",
                project_name="demo",
                roles=roles[token],
                expires_at=FUTURE,
                catalog=({"type": "compute", "endpoints": []},),
            )
        if token == "expired" and allow_expired:
            return TokenInfo(user_id="u-old", project_id="p1", roles=("member",), expires_at=FUTURE)
        raise InvalidToken()


async def whoami(request: Request) -> Response:
    ctx: RequestContext | None = request.scope.get("state", {}).get("context")
    body: dict[str, Any] = {"headers": {k: v for k, v in request.headers.items()}}
    if ctx is not None:
        body.update(
            user_id=ctx.user_id,
            project_id=ctx.project_id,
            roles=list(ctx.roles),
            is_admin=ctx.is_admin,
            token=ctx.auth_token,
            request_id=ctx.request_id,
            global_request_id=ctx.global_request_id,
            catalog=list(ctx.service_catalog),
        )
    return JSONResponse(body)


def make_app(middleware: Middleware) -> Any:
    routes = [Route("/", whoami), Route("/servers", whoami), Route("/v2.1/", whoami)]
    return create_app(routes, middleware=[middleware])


def client(app: Any, prefix: str = "") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test" + prefix
    )


@pytest.fixture
def validator() -> FakeValidator:
    return FakeValidator()


@pytest.fixture
def keystone_app(validator: FakeValidator) -> Any:
    return make_app(
        Middleware(
            AuthMiddleware,
            validator=validator,
            public_paths=("/", "/v2.1", "/healthcheck"),
            www_authenticate_uri="http://keystone/identity",
        )
    )


async def test_missing_token_is_401_with_keystone_body(keystone_app: Any) -> None:
    async with client(keystone_app) as c:
        r = await c.get("/servers")
    assert r.status_code == 401
    assert r.json() == {
        "error": {
            "code": 401,
            "title": "Unauthorized",
            "message": "The request you have made requires authentication.",
        }
    }
    assert r.headers["www-authenticate"] == 'Keystone uri="http://keystone/identity"'
    assert r.headers["x-openstack-request-id"].startswith("req-")


async def test_invalid_token_is_401(keystone_app: Any) -> None:
    async with client(keystone_app) as c:
        r = await c.get("/servers", headers={"X-Auth-Token": "bogus"})
    assert r.status_code == 401


async def test_identity_down_is_503(keystone_app: Any, validator: FakeValidator) -> None:
    validator.down = True
    async with client(keystone_app) as c:
        r = await c.get("/servers", headers={"X-Auth-Token": "good"})
    assert r.status_code == 503
    assert r.json()["error"]["code"] == 503


async def test_valid_token_builds_context(keystone_app: Any) -> None:
    headers = {"X-Auth-Token": "good", "X-OpenStack-Request-ID": GLOBAL_ID}
    async with client(keystone_app) as c:
        r = await c.get("/servers", headers=headers)
    body = r.json()
    assert r.status_code == 200
    assert body["user_id"] == "u-good"
    assert body["project_id"] == "p1"
    assert body["roles"] == ["member", "reader"]
    assert body["is_admin"] is False
    assert body["token"] == "good"
    assert body["global_request_id"] == GLOBAL_ID
    assert body["request_id"] == r.headers["x-openstack-request-id"]
    assert body["catalog"] == [{"type": "compute", "endpoints": []}]
    assert body["headers"]["x-roles"] == "member,reader"
    assert body["headers"]["x-identity-status"] == "Confirmed"


async def test_admin_role_sets_is_admin(keystone_app: Any) -> None:
    async with client(keystone_app) as c:
        r = await c.get("/servers", headers={"X-Auth-Token": "admin"})
    assert r.json()["is_admin"] is True


async def test_forged_identity_headers_are_stripped(keystone_app: Any) -> None:
    forged = {
        "X-Auth-Token": "good",
        "X-Roles": "admin",
        "X-User-Id": "someone",
        "X-Service-Roles": "service",
        "X-Tenant-Id": "other",
    }
    async with client(keystone_app) as c:
        r = await c.get("/servers", headers=forged)
        public = await c.get("/", headers={"X-Roles": "admin"})
    headers = r.json()["headers"]
    assert headers["x-roles"] == "member,reader"
    assert headers["x-user-id"] == "u-good"
    assert "x-service-roles" not in headers
    assert "x-tenant-id" not in headers
    assert "x-roles" not in public.json()["headers"]


@pytest.mark.parametrize("path", ["/", "/v2.1", "/v2.1/", "/healthcheck"])
async def test_public_paths(keystone_app: Any, path: str) -> None:
    async with client(keystone_app) as c:
        r = await c.get(path, follow_redirects=True)
    assert r.status_code == 200


async def test_public_paths_below_a_mount(validator: FakeValidator) -> None:
    inner = make_app(Middleware(AuthMiddleware, validator=validator))
    outer = Starlette(routes=[Mount("/compute", app=inner)])
    async with client(outer) as c:
        assert (await c.get("/compute/")).status_code == 200
        assert (await c.get("/compute/servers")).status_code == 401


async def test_service_token_allows_expired_user_token(
    keystone_app: Any, validator: FakeValidator
) -> None:
    async with client(keystone_app) as c:
        alone = await c.get("/servers", headers={"X-Auth-Token": "expired"})
        with_service = await c.get(
            "/servers", headers={"X-Auth-Token": "expired", "X-Service-Token": "svc"}
        )
        untrusted = await c.get(
            "/servers", headers={"X-Auth-Token": "expired", "X-Service-Token": "good"}
        )
        bad_service = await c.get(
            "/servers", headers={"X-Auth-Token": "good", "X-Service-Token": "bogus"}
        )
    assert alone.status_code == 401
    assert with_service.status_code == 200
    assert with_service.json()["user_id"] == "u-old"
    assert untrusted.status_code == 401
    assert bad_service.status_code == 401
    assert ("expired", True) in validator.calls


async def test_service_token_roles_required(validator: FakeValidator) -> None:
    app = make_app(
        Middleware(AuthMiddleware, validator=validator, service_token_roles_required=True)
    )
    async with client(app) as c:
        r = await c.get("/servers", headers={"X-Auth-Token": "good", "X-Service-Token": "good"})
        ok = await c.get("/servers", headers={"X-Auth-Token": "good", "X-Service-Token": "svc"})
    assert r.status_code == 401
    assert ok.status_code == 200


# -- noauth2 -----------------------------------------------------------------------------------


@pytest.fixture
def noauth_app() -> Any:
    return make_app(Middleware(NoAuthMiddleware))


async def test_noauth_user_and_project(noauth_app: Any) -> None:
    async with client(noauth_app) as c:
        r = await c.get("/servers", headers={"X-Auth-Token": "alice:proj"})
        only_user = await c.get("/servers", headers={"X-Auth-Token": "bob"})
    assert r.json()["user_id"] == "alice"
    assert r.json()["project_id"] == "proj"
    assert r.json()["roles"] == []
    assert r.json()["is_admin"] is False
    assert only_user.json()["project_id"] == "bob"


async def test_noauth_admin_and_roles(noauth_app: Any) -> None:
    async with client(noauth_app) as c:
        admin = await c.get("/servers", headers={"X-Auth-Token": "admin:admin"})
        roles = await c.get(
            "/servers", headers={"X-Auth-Token": "alice:p", "X-Roles": "member, reader"}
        )
    assert admin.json()["is_admin"] is True
    assert admin.json()["roles"] == ["admin"]
    assert roles.json()["roles"] == ["member", "reader"]


async def test_noauth_without_token_gives_fake_token(noauth_app: Any) -> None:
    async with client(noauth_app) as c:
        r = await c.get("/servers", headers={"X-Auth-User": "alice", "X-Auth-Project-Id": "p"})
        public = await c.get("/")
    assert r.status_code == 204
    assert r.headers["x-auth-token"] == "alice:p"
    assert r.headers["x-server-management-url"] == "http://test/servers"
    assert public.status_code == 200


async def test_websocket_needs_a_token(validator: FakeValidator) -> None:
    seen: list[RequestContext] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["state"]["context"])
        await send({"type": "websocket.accept"})

    middleware = AuthMiddleware(inner, validator)

    async def connect(headers: list[tuple[bytes, bytes]]) -> list[Message]:
        sent: list[Message] = []

        async def receive() -> Message:
            return {"type": "websocket.connect"}

        async def send(message: Message) -> None:
            sent.append(message)

        scope = {"type": "websocket", "path": "/ws", "headers": headers, "state": {}}
        await middleware(scope, receive, send)
        return sent

    assert await connect([]) == [{"type": "websocket.close", "code": 1008}]
    assert await connect([(b"x-auth-token", b"good")]) == [{"type": "websocket.accept"}]
    assert seen[0].user_id == "u-good"

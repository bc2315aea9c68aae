"""Authentication middleware for every novalite HTTP service.

:class:`AuthMiddleware` does what keystonemiddleware's ``auth_token`` plus nova's
``keystonecontext`` do: it strips identity headers a client may have forged, validates
``X-Auth-Token`` (and an optional ``X-Service-Token``) through a :class:`TokenValidator`,
and stores the caller's :class:`~novalite.context.RequestContext` in
``scope["state"]["context"]`` (the validated :class:`TokenInfo` in
``scope["state"]["token_info"]``). It also sets keystonemiddleware's ``X-User-Id``,
``X-Project-Id``, ``X-Roles``... request headers for code that reads them.

:class:`NoAuthMiddleware` is nova's ``noauth2`` strategy, for development only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from novalite.api_common.tokens import TokenInfo, TokenValidator
from novalite.context import RequestContext, generate_request_id
from novalite.errors import ClientError, InvalidToken

LOG = logging.getLogger(__name__)

UNAUTHORIZED_MESSAGE = "The request you have made requires authentication."
UNAVAILABLE_MESSAGE = "The server is currently unavailable. Please try again at a later time."

#: ``(status, message, headers) -> response`` for the middleware's own 401 and 503 answers.
AuthErrorRenderer = Callable[[int, str, Mapping[str, str]], Response]

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}

#: Headers keystonemiddleware sets, removed from every incoming request.
_IDENTITY_HEADERS = frozenset(
    h.lower().encode("latin-1")
    for base in (
        "Identity-Status",
        "Domain-Id",
        "Domain-Name",
        "Project-Id",
        "Project-Name",
        "Project-Domain-Id",
        "Project-Domain-Name",
        "User-Id",
        "User-Name",
        "User-Domain-Id",
        "User-Domain-Name",
        "Roles",
        "Is-Admin-Project",
    )
    for h in (f"X-{base}", f"X-Service-{base}")
) | frozenset(
    h.lower().encode("latin-1")
    for h in (
        "X-Service-Catalog",
        "OpenStack-System-Scope",
        "X-Tenant-Id",
        "X-Tenant-Name",
        "X-Tenant",
        "X-User",
        "X-Role",
    )
)


def keystone_error(status: int, message: str, headers: Mapping[str, str]) -> Response:
    """keystone's error body: ``{"error": {"code", "title", "message"}}``."""
    title = _TITLES.get(status, "Internal Server Error")
    body = {"error": {"code": status, "title": title, "message": message}}
    return JSONResponse(body, status_code=status, headers=dict(headers))


def route_path(scope: Scope) -> str:
    """The request path below the mount point (``root_path``), ``/`` at least."""
    path: str = scope.get("path", "") or ""
    root: str = scope.get("root_path", "") or ""
    if root and path.startswith(root):
        path = path[len(root) :]
    return path or "/"


def _normalise(path: str) -> str:
    return path.rstrip("/") or "/"


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


def context_from_token(info: TokenInfo, token: str, scope: Scope) -> RequestContext:
    """The request context for a validated token (request ids from ``scope["state"]``)."""
    state = scope.get("state") or {}
    return RequestContext(
        request_id=state.get("request_id") or generate_request_id(),
        global_request_id=state.get("global_request_id"),
        user_id=info.user_id,
        user_name=info.user_name,
        user_domain_id=info.user_domain_id,
        project_id=info.project_id,
        project_name=info.project_name,
        project_domain_id=info.project_domain_id,
        domain_id=info.domain_id,
        roles=info.roles,
        system_scope=info.system_scope,
        is_admin=info.has_role("admin"),
        auth_token=token,
        service_catalog=info.catalog,
    )


def _identity_headers(info: TokenInfo) -> list[tuple[bytes, bytes]]:
    values = {
        "x-identity-status": "Confirmed",
        "x-user-id": info.user_id,
        "x-user-name": info.user_name,
        "x-user-domain-id": info.user_domain_id,
        "x-user-domain-name": info.user_domain_name,
        "x-project-id": info.project_id,
        "x-project-name": info.project_name,
        "x-project-domain-id": info.project_domain_id,
        "x-project-domain-name": info.project_domain_name,
        "x-domain-id": info.domain_id,
        "x-domain-name": info.domain_name,
        "x-roles": ",".join(info.roles),
        "x-is-admin-project": str(info.is_admin_project),
        "openstack-system-scope": info.system_scope,
    }
    return [(k.encode("latin-1"), v.encode("utf-8")) for k, v in values.items() if v is not None]


class AuthMiddleware:
    """Keystone token authentication for an ASGI app (keystonemiddleware's ``auth_token``).

    ``public_paths`` (relative to the mount point; matched exactly, with or without a trailing
    slash) pass without a token and get no context. Every other request needs a valid
    ``X-Auth-Token``, else 401 with ``WWW-Authenticate: Keystone uri="<www_authenticate_uri>"``
    (when that URI is known). A valid ``X-Service-Token`` holding one of
    ``service_token_roles`` lets an expired user token through (``allow_expired``), as
    keystonemiddleware does for service-to-service calls. Identity unreachable: 503.
    """

    def __init__(
        self,
        app: ASGIApp,
        validator: TokenValidator,
        *,
        public_paths: Collection[str] = ("/", "/healthcheck"),
        www_authenticate_uri: str | None = None,
        render_unauthorized: AuthErrorRenderer = keystone_error,
        service_token_roles: Sequence[str] = ("service",),
        service_token_roles_required: bool = False,
    ) -> None:
        self.app = app
        self.validator = validator
        self.public_paths = frozenset(_normalise(p) for p in public_paths)
        self.www_authenticate_uri = www_authenticate_uri
        self.render = render_unauthorized
        self.service_token_roles = tuple(service_token_roles)
        self.service_token_roles_required = service_token_roles_required

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = [
            (k, v) for k, v in scope.get("headers") or () if k.lower() not in _IDENTITY_HEADERS
        ]
        scope["headers"] = headers
        if _normalise(route_path(scope)) in self.public_paths:
            await self.app(scope, receive, send)
            return
        token = _header(scope, b"x-auth-token")
        if not token:
            LOG.debug("Rejecting a request without X-Auth-Token")
            await self._reject(scope, receive, send, 401, UNAUTHORIZED_MESSAGE)
            return
        try:
            info = await self._authenticate(token, _header(scope, b"x-service-token"))
        except InvalidToken:
            LOG.info("Rejecting a request with an invalid token")
            await self._reject(scope, receive, send, 401, UNAUTHORIZED_MESSAGE)
            return
        except (ClientError, ValueError) as exc:
            # ValueError: identity answered 200 with a body that is not a token.
            LOG.error("Cannot validate a token: %s", exc)
            await self._reject(scope, receive, send, 503, UNAVAILABLE_MESSAGE)
            return
        scope["headers"] = headers + _identity_headers(info)
        state = scope.setdefault("state", {})
        state["context"] = context_from_token(info, token, scope)
        state["token_info"] = info
        await self.app(scope, receive, send)

    async def _authenticate(self, token: str, service_token: str | None) -> TokenInfo:
        if not service_token:
            return await self.validator.validate(token)
        service = await self.validator.validate(service_token)
        trusted = service.has_role(*self.service_token_roles)
        if not trusted:
            LOG.warning(
                "A service token without any of the roles %s", ", ".join(self.service_token_roles)
            )
            if self.service_token_roles_required:
                raise InvalidToken()
        try:
            return await self.validator.validate(token)
        except InvalidToken:
            if not trusted:
                raise
            return await self.validator.validate(token, allow_expired=True)

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, status: int, message: str
    ) -> None:
        if scope["type"] == "websocket":
            # Refuse the handshake: 1008 policy violation, 1013 try again later.
            await send({"type": "websocket.close", "code": 1008 if status == 401 else 1013})
            return
        headers: dict[str, str] = {}
        if status == 401 and self.www_authenticate_uri:
            headers["WWW-Authenticate"] = f'Keystone uri="{self.www_authenticate_uri}"'
        await self.render(status, message, headers)(scope, receive, send)


class NoAuthMiddleware:
    """nova's ``noauth2``: trust ``X-Auth-Token: user[:project]`` blindly. Development only.

    The user ``admin`` is an admin (and gets the ``admin`` role); ``X-Roles`` (comma
    separated), when sent, gives the roles; otherwise other users have no role. A request
    to a non-public path without a token gets nova's ``204`` with an ``X-Auth-Token`` made
    from ``X-Auth-User`` / ``X-Auth-Project-Id`` (both default to ``admin``).
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        public_paths: Collection[str] = ("/", "/healthcheck"),
        project_id_in_path: bool = False,
    ) -> None:
        self.app = app
        self.public_paths = frozenset(_normalise(p) for p in public_paths)
        self.project_id_in_path = project_id_in_path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _normalise(route_path(scope)) in self.public_paths:
            await self.app(scope, receive, send)
            return
        token = _header(scope, b"x-auth-token")
        if not token:
            await self._fake_token(scope)(scope, receive, send)
            return
        user_id, _, project_id = token.partition(":")
        project_id = project_id or user_id
        is_admin = user_id == "admin"
        roles_header = _header(scope, b"x-roles")
        roles = [r.strip() for r in (roles_header or "").split(",") if r.strip()]
        if is_admin and not any(r.lower() == "admin" for r in roles):
            roles.append("admin")
        state = scope.setdefault("state", {})
        state["context"] = RequestContext(
            request_id=state.get("request_id") or generate_request_id(),
            global_request_id=state.get("global_request_id"),
            user_id=user_id,
            project_id=project_id,
            roles=tuple(roles),
            is_admin=is_admin,
            auth_token=token,
        )
        await self.app(scope, receive, send)

    def _fake_token(self, scope: Scope) -> Response:
        user_id = _header(scope, b"x-auth-user") or "admin"
        project_id = _header(scope, b"x-auth-project-id") or "admin"
        scheme = scope.get("scheme", "http")
        host = _header(scope, b"host") or "localhost"
        url = f"{scheme}://{host}{scope.get('path', '')}".rstrip("/")
        if self.project_id_in_path:
            url = f"{url}/{project_id}"
        return Response(
            status_code=204,
            headers={"X-Auth-Token": f"{user_id}:{project_id}", "X-Server-Management-Url": url},
            media_type="text/plain",
        )

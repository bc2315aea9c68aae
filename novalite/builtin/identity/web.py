"""HTTP plumbing of the identity service: bodies, errors, the caller's token, policy."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import jsonschema
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from novalite.api_common.auth import keystone_error
from novalite.api_common.policy import Enforcer
from novalite.api_common.validation import compiled, read_body
from novalite.builtin.identity.errors import (
    Forbidden,
    SchemaValidationError,
    Unauthorized,
    ValidationError,
)
from novalite.builtin.identity.options import IdentityOptions
from novalite.builtin.identity.provider import TokenInvalid, TokenProvider, ValidatedToken
from novalite.builtin.identity.views import base_url
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.errors import PolicyNotAuthorized

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, slots=True)
class IdentityService:
    """What every handler needs: the database, the token provider, the policy enforcer."""

    db: Database
    provider: TokenProvider
    enforcer: Enforcer
    options: IdentityOptions


Handler = Callable[[IdentityService, Request], Awaitable[Response]]


def route(svc: IdentityService, path: str, handler: Handler, methods: list[str]) -> Route:
    """A Starlette route calling ``handler(svc, request)``."""

    async def endpoint(request: Request) -> Response:
        return await handler(svc, request)

    endpoint.__name__ = handler.__name__
    return Route(path, endpoint, methods=methods)


def render_error(
    request: Request,
    status: int,
    message: str,
    code: str | None,
    headers: Mapping[str, str] | None,
) -> Response:
    """Keystone's error body ``{"error": {"code", "title", "message"}}``."""
    if status >= 500:
        message = "An unexpected error prevented the server from fulfilling your request."
    response = keystone_error(status, message, headers or {})
    if status == 401:
        response.headers["WWW-Authenticate"] = f'Keystone uri="{base_url(request)}"'
    return response


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response."""
    return JSONResponse(body, status_code=status, headers=dict(headers or {}))


def no_content() -> Response:
    """204."""
    return Response(status_code=204)


async def read_json(svc: IdentityService, request: Request) -> Any:
    """The request body as JSON: 413 past the size limit, 400 when it is not JSON."""
    body = await read_body(request, max_size=svc.options.max_request_body_size)
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ValidationError(attribute="valid JSON", target="request body") from None


def validate(body: Any, schema: dict[str, Any]) -> None:
    """400 with keystone's ``Invalid input for field ...`` unless ``body`` matches ``schema``.

    ``schema`` must be a long-lived (module-level) object: its validator is cached.
    """
    error = jsonschema.exceptions.best_match(compiled(schema).iter_errors(body))
    if error is None:
        return
    path = "/".join(str(p) for p in error.path)
    detail = f"Invalid input for field '{path}': {error.message}" if path else error.message
    raise SchemaValidationError(detail=detail)


def flag(request: Request, name: str) -> bool:
    """A keystone boolean query flag: present and not ``0``/``false``/``no``."""
    if name not in request.query_params:
        return False
    return request.query_params[name].lower() not in ("0", "false", "no", "off")


async def caller_token(svc: IdentityService, request: Request) -> ValidatedToken:
    """The validated ``X-Auth-Token``, else 401."""
    token_id = request.headers.get("x-auth-token")
    if not token_id:
        raise Unauthorized()
    try:
        async with svc.db.reader() as session:
            return await svc.provider.validate(session, token_id)
    except TokenInvalid as exc:
        LOG.info("Refused the caller's token: %s", exc)
        raise Unauthorized() from None


def context_of(valid: ValidatedToken) -> RequestContext:
    """A request context (policy credentials) for a validated token."""
    scope = valid.payload.scope
    project = valid.project
    return RequestContext(
        user_id=valid.user.id,
        user_name=valid.user.name,
        user_domain_id=valid.user.domain_id,
        project_id=project.id if project else None,
        project_name=project.name if project else None,
        project_domain_id=project.domain_id if project else None,
        domain_id=valid.domain.id if scope and scope[0] == "domain" and valid.domain else None,
        roles=tuple(role.name for role in valid.roles),
        system_scope="all" if valid.system else None,
        is_admin=False,
        auth_token=valid.token_id,
    )


async def authorize(
    svc: IdentityService,
    request: Request,
    action: str,
    target: Mapping[str, Any] | None = None,
    *,
    caller: ValidatedToken | None = None,
) -> ValidatedToken:
    """Check ``action`` against policy for the caller (validated here unless given); 401/403."""
    valid = caller or await caller_token(svc, request)
    try:
        # Keystone's rules read the target as ``%(target.<entity>.<attr>)s``.
        svc.enforcer.authorize(action, {"target": dict(target or {})}, context_of(valid))
    except PolicyNotAuthorized:
        raise Forbidden(action=action) from None
    return valid

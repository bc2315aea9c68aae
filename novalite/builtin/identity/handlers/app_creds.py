"""Application credentials: ``/v3/users/{user_id}/application_credentials``."""

from __future__ import annotations

import datetime
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novalite.builtin.identity import models as m
from novalite.builtin.identity import passwords, roles, store, views
from novalite.builtin.identity.errors import Forbidden, IdentityNotFound, ValidationError
from novalite.builtin.identity.web import (
    IdentityService,
    authorize,
    json_response,
    no_content,
    read_json,
    route,
    validate,
)

_ROLE_REF = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
    "minProperties": 1,
}
CREATE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "application_credential": {
            "type": "object",
            "properties": {
                "name": {"type": "string", "minLength": 1, "maxLength": 255},
                "description": {"type": ["string", "null"]},
                "secret": {"type": ["string", "null"], "minLength": 1, "maxLength": 4096},
                "expires_at": {"type": ["string", "null"]},
                "roles": {"type": "array", "items": _ROLE_REF},
                "unrestricted": {"type": ["boolean", "null"]},
                "access_rules": {"type": "array", "maxItems": 0},
            },
            "required": ["name"],
        }
    },
    "required": ["application_credential"],
}


def _target(user_id: str) -> dict[str, Any]:
    return {"user": {"id": user_id}}


def _expiry(value: str | None) -> datetime.datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(attribute="an ISO 8601 time", target="expires_at") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


async def create(svc: IdentityService, request: Request) -> Response:
    """``POST``: a new credential bound to the caller's project and (a subset of) its roles."""
    user_id = request.path_params["user_id"]
    caller = await authorize(
        svc, request, "identity:create_application_credential", _target(user_id)
    )
    body = await read_json(svc, request)
    validate(body, CREATE_SCHEMA)
    data = body["application_credential"]
    if caller.project is None:
        raise ValidationError(attribute="a project-scoped token", target="request")
    if caller.app_cred is not None and not caller.app_cred.unrestricted:
        raise Forbidden(action="identity:create_application_credential")
    held = {role.id: role for role in caller.roles}
    wanted = []
    for ref in data.get("roles") or []:
        match = [r for r in caller.roles if r.id == ref.get("id") or r.name == ref.get("name")]
        if not match:
            raise Forbidden(
                "The user does not have the role requested for the application credential."
            )
        wanted.append(match[0])
    granted = wanted or list(held.values())
    secret = data.get("secret") or secrets.token_urlsafe(64)
    row = m.ApplicationCredential(
        id=store.new_id(),
        name=data["name"],
        user_id=user_id,
        project_id=caller.project.id,
        secret_hash=await passwords.hash_password_async(secret),
        description=data.get("description") or "",
        expires_at=_expiry(data.get("expires_at")),
        unrestricted=bool(data.get("unrestricted")),
        role_ids=",".join(r.id for r in granted),
    )
    async with svc.db.writer() as session:
        await store.add(session, row)
    view = views.app_cred(request, row, sorted(granted, key=lambda r: r.name))
    view["secret"] = secret
    return json_response({"application_credential": view}, 201)


async def _load(
    svc: IdentityService, user_id: str, cred_id: str
) -> tuple[m.ApplicationCredential, list[m.Role]]:
    async with svc.db.reader() as session:
        row = await store.find(session, m.ApplicationCredential, cred_id)
        if row is None or row.user_id != user_id:
            raise IdentityNotFound(kind="application credential", id=cred_id)
        return row, await roles.roles_by_ids(session, row.role_ids.split(","))


async def show(svc: IdentityService, request: Request) -> Response:
    """``GET .../{cred_id}``."""
    user_id = request.path_params["user_id"]
    await authorize(svc, request, "identity:get_application_credential", _target(user_id))
    row, role_rows = await _load(svc, user_id, request.path_params["cred_id"])
    return json_response({"application_credential": views.app_cred(request, row, role_rows)})


async def list_creds(svc: IdentityService, request: Request) -> Response:
    """``GET``: the user's credentials (``?name=`` filters)."""
    user_id = request.path_params["user_id"]
    await authorize(svc, request, "identity:list_application_credentials", _target(user_id))
    async with svc.db.reader() as session:
        rows = await store.list_rows(
            session, m.ApplicationCredential, user_id=user_id, name=request.query_params.get("name")
        )
        body = [
            views.app_cred(request, row, await roles.roles_by_ids(session, row.role_ids.split(",")))
            for row in rows
        ]
    return json_response(
        {"application_credentials": body, "links": views.collection_links(request)}
    )


async def delete(svc: IdentityService, request: Request) -> Response:
    """``DELETE .../{cred_id}``: tokens issued with it stop validating."""
    user_id = request.path_params["user_id"]
    await authorize(svc, request, "identity:delete_application_credential", _target(user_id))
    row, _ = await _load(svc, user_id, request.path_params["cred_id"])
    async with svc.db.writer() as session:
        found = await session.get(m.ApplicationCredential, row.id)
        if found is not None:
            await session.delete(found)
    return no_content()


def routes(svc: IdentityService) -> list[Route]:
    """The application-credential routes."""
    base = "/v3/users/{user_id}/application_credentials"
    return [
        route(svc, base, list_creds, ["GET"]),
        route(svc, base, create, ["POST"]),
        route(svc, base + "/{cred_id}", show, ["GET"]),
        route(svc, base + "/{cred_id}", delete, ["DELETE"]),
    ]

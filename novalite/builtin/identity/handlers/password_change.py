"""``POST /v3/users/{user_id}/password``: a user changes their own password."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novalite.builtin.identity import models as m
from novalite.builtin.identity import passwords, revocation, store
from novalite.builtin.identity.errors import Unauthorized
from novalite.builtin.identity.web import IdentityService, no_content, read_json, route, validate

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "user": {
            "type": "object",
            "properties": {
                "password": {"type": "string", "minLength": 1, "maxLength": 4096},
                "original_password": {"type": "string", "maxLength": 4096},
            },
            "required": ["password", "original_password"],
        }
    },
    "required": ["user"],
}


async def change_password(svc: IdentityService, request: Request) -> Response:
    """Authenticated by the original password (as keystone, no token needed); revokes tokens."""
    body = await read_json(svc, request)
    validate(body, SCHEMA)
    data = body["user"]
    user_id = request.path_params["user_id"]
    async with svc.db.reader() as session:
        user = await store.find(session, m.User, user_id)
    ok = await passwords.verify_password(
        user.password_hash if user else None, data["original_password"]
    )
    if user is None or not ok or not user.enabled:
        raise Unauthorized()
    new_hash = await passwords.hash_password_async(data["password"])
    async with svc.db.writer() as session:
        row = await store.get(session, m.User, user_id)
        row.password_hash = new_hash
        await revocation.revoke_user(session, user_id)
    return no_content()


def routes(svc: IdentityService) -> list[Route]:
    """The password-change route."""
    return [route(svc, "/v3/users/{user_id}/password", change_password, ["POST"])]

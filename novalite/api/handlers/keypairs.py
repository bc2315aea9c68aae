"""``/os-keypairs``: create (generate or import), list, show and delete key pairs."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from novalite.api import keypair_keys, policies
from novalite.api.common import last, limit_and_marker
from novalite.api.handlers.server_body import check_name
from novalite.api.schemas import handler_schema
from novalite.api.views import keypairs as views
from novalite.api.wsgi import Call, empty_response, json_response, next_link
from novalite.db.repositories.keypairs import KeyPairRepository
from novalite.domain.keypair import KEYPAIR_TYPE_SSH, KEYPAIR_TYPE_X509, KeyPair


def _schema(handler: str, kind: str, call: Call) -> dict[str, Any] | None:
    return handler_schema("keypairs", f"KeypairController.{handler}", kind, call.version)


def _repo(call: Call) -> KeyPairRepository:
    return KeyPairRepository(call.deps.db)


def _user(call: Call, params: dict[str, list[str]], action: str) -> str:
    """The keypair owner: ``user_id`` (2.10, admins) or the caller; policy checked."""
    user_id = last(params, "user_id") if call.version >= (2, 10) else None
    user_id = user_id or call.context.user_id or ""
    call.authorize(policies.KEYPAIRS % action, {"user_id": user_id})
    return user_id


async def create(call: Call) -> Response:
    """``POST /os-keypairs``: import ``public_key`` or (before 2.92) generate a pair."""
    body = await call.body(_schema("create", "request_body", call))
    spec = body["keypair"]
    check_name(spec["name"])
    user_id = (spec.get("user_id") if call.version >= (2, 10) else None) or call.context.user_id
    call.authorize(policies.KEYPAIRS % "create", {"user_id": user_id})
    key_type = spec.get("type", KEYPAIR_TYPE_SSH) if call.version >= (2, 2) else KEYPAIR_TYPE_SSH
    private_key: str | None = None
    public_key = spec.get("public_key")
    if public_key is None:
        if key_type == KEYPAIR_TYPE_X509:
            private_key, public_key = keypair_keys.generate_x509(user_id or "")
        else:
            private_key, public_key = keypair_keys.generate_ssh()
    if key_type == KEYPAIR_TYPE_X509:
        fingerprint = keypair_keys.x509_fingerprint(public_key)
    else:
        fingerprint = keypair_keys.ssh_fingerprint(public_key)
    keypair = KeyPair(
        name=spec["name"].strip(),
        user_id=user_id or "",
        public_key=public_key,
        fingerprint=fingerprint,
        type=key_type,
    )
    stored = await _repo(call).create(keypair)
    status = 201 if call.version >= (2, 2) else 200
    return json_response({"keypair": views.created(call, stored, private_key)}, status)


async def index(call: Call) -> Response:
    """``GET /os-keypairs``: the user's key pairs (paged from 2.35)."""
    params = call.query(_schema("index", "query", call))
    user_id = _user(call, params, "index")
    limit: int | None = None
    marker: str | None = None
    if call.version >= (2, 35):
        limit, marker = limit_and_marker(call, params)
    keypairs = await _repo(call).list(user_id, limit=limit, marker=marker)
    body: dict[str, Any] = {"keypairs": [{"keypair": views.summary(call, k)} for k in keypairs]}
    if limit is not None and keypairs and len(keypairs) >= limit:
        body["keypairs_links"] = next_link(call, "os-keypairs", keypairs[-1].name)
    return json_response(body)


async def show(call: Call) -> Response:
    """``GET /os-keypairs/{keypair_name}``."""
    params = call.query(_schema("show", "query", call))
    user_id = _user(call, params, "show")
    keypair = await _repo(call).get(user_id, call.param("keypair_name"))
    return json_response({"keypair": views.shown(call, keypair)})


async def delete(call: Call) -> Response:
    """``DELETE /os-keypairs/{keypair_name}``: 202 at 2.1, 204 from 2.2."""
    params = call.query(_schema("delete", "query", call))
    user_id = _user(call, params, "delete")
    await _repo(call).destroy(user_id, call.param("keypair_name"))
    return empty_response(204 if call.version >= (2, 2) else 202)

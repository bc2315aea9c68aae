"""``/flavors/{flavor_id}/os-extra_specs``: a flavor's extra specs."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from novalite.api import policies
from novalite.api.schemas import handler_schema
from novalite.api.wsgi import Call, json_response
from novalite.db.repositories.flavors import FlavorRepository
from novalite.errors import FlavorExtraSpecNotFound, RequestInvalid


def _schema(handler: str, kind: str, call: Call) -> dict[str, Any] | None:
    return handler_schema(
        "flavors_extraspecs", f"FlavorExtraSpecsController.{handler}", kind, call.version
    )


def _repo(call: Call) -> FlavorRepository:
    return FlavorRepository(call.deps.db)


def _strings(specs: dict[str, Any]) -> dict[str, str]:
    return {key: value if isinstance(value, str) else str(value) for key, value in specs.items()}


async def index(call: Call) -> Response:
    """``GET .../os-extra_specs``."""
    call.authorize(policies.EXTRA_SPECS % "index")
    call.query(_schema("index", "query", call))
    flavor = await _repo(call).get(call.param("flavor_id"))
    return json_response({"extra_specs": flavor.extra_specs})


async def create(call: Call) -> Response:
    """``POST .../os-extra_specs``: add or replace the given specs."""
    call.authorize(policies.EXTRA_SPECS % "create")
    body = await call.body(_schema("create", "request_body", call))
    specs = _strings(body["extra_specs"])
    await _repo(call).update_extra_specs(call.param("flavor_id"), specs)
    return json_response({"extra_specs": specs})


async def show(call: Call) -> Response:
    """``GET .../os-extra_specs/{key}``."""
    call.authorize(policies.EXTRA_SPECS % "show")
    call.query(_schema("show", "query", call))
    flavor_id, key = call.param("flavor_id"), call.param("key")
    flavor = await _repo(call).get(flavor_id)
    if key not in flavor.extra_specs:
        raise FlavorExtraSpecNotFound(flavor_id=flavor_id, key=key)
    return json_response({key: flavor.extra_specs[key]})


async def update(call: Call) -> Response:
    """``PUT .../os-extra_specs/{key}``: body ``{key: value}`` with the URL's key."""
    call.authorize(policies.EXTRA_SPECS % "update")
    key = call.param("key")
    body = await call.json()
    if isinstance(body, dict) and key not in body:
        raise RequestInvalid("Request body and URI mismatch")
    if isinstance(body, dict) and len(body) > 1:
        raise RequestInvalid("Request body contains too many items")
    body = await call.body(_schema("update", "request_body", call))
    specs = _strings(body)
    await _repo(call).update_extra_specs(call.param("flavor_id"), specs)
    return json_response(specs)


async def delete(call: Call) -> Response:
    """``DELETE .../os-extra_specs/{key}``."""
    call.authorize(policies.EXTRA_SPECS % "delete")
    await _repo(call).delete_extra_spec(call.param("flavor_id"), call.param("key"))
    return Response(status_code=200)

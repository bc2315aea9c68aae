"""Flavor access: the projects that may use a private flavor, and the flavor actions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from novalite.api import policies
from novalite.api.schemas import handler_schema
from novalite.api.wsgi import Call, check, json_response
from novalite.db.repositories.flavors import FlavorRepository
from novalite.errors import Conflict, NotFound, RequestInvalid


def _body(flavor_id: str, projects: list[str]) -> dict[str, Any]:
    return {"flavor_access": [{"flavor_id": flavor_id, "tenant_id": p} for p in projects]}


async def index(call: Call) -> Response:
    """``GET /flavors/{flavor_id}/os-flavor-access`` (admin; 404 for public flavors)."""
    call.authorize(policies.FLAVOR_ACCESS)
    call.query(
        handler_schema("flavor_access", "FlavorAccessController.index", "query", call.version)
    )
    flavor_id = call.param("flavor_id")
    repo = FlavorRepository(call.deps.db)
    flavor = await repo.get(flavor_id)
    if flavor.is_public:
        raise NotFound("Access list not available for public flavors.")
    return json_response(_body(flavor_id, await repo.projects(flavor_id)))


async def _add(call: Call, body: dict[str, Any]) -> Response:
    call.authorize(policies.FLAVOR_ACCESS + ":add_tenant_access")
    flavor_id, project = call.param("flavor_id"), body["addTenantAccess"]["tenant"]
    repo = FlavorRepository(call.deps.db)
    flavor = await repo.get(flavor_id)
    if call.version >= (2, 7) and flavor.is_public:
        raise Conflict("Can not add access to a public flavor.")
    return json_response(_body(flavor_id, await repo.add_project(flavor_id, project)))


async def _remove(call: Call, body: dict[str, Any]) -> Response:
    call.authorize(policies.FLAVOR_ACCESS + ":remove_tenant_access")
    flavor_id, project = call.param("flavor_id"), body["removeTenantAccess"]["tenant"]
    repo = FlavorRepository(call.deps.db)
    return json_response(_body(flavor_id, await repo.remove_project(flavor_id, project)))


_ACTIONS = {
    "addTenantAccess": ("FlavorActionController._add_tenant_access", _add),
    "removeTenantAccess": ("FlavorActionController._remove_tenant_access", _remove),
}


async def action(call: Call) -> Response:
    """``POST /flavors/{flavor_id}/action``: addTenantAccess / removeTenantAccess."""
    body = await call.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise RequestInvalid("Malformed request body")
    name = next(iter(body))
    if name not in _ACTIONS:
        raise RequestInvalid(f"There is no such action: {name}")
    handler, run = _ACTIONS[name]
    schema = handler_schema("flavor_access", handler, "request_body", call.version)
    if schema is not None:
        check(body, schema)
    return await run(call, body)

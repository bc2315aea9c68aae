"""``/os-server-groups``: create, list, show and delete server groups (quotas not enforced)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from starlette.responses import Response

from novalite.api import policies
from novalite.api.common import last
from novalite.api.handlers.server_body import check_name
from novalite.api.schemas import handler_schema
from novalite.api.views import server_groups as views
from novalite.api.wsgi import Call, empty_response, json_response
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.domain.server_group import ANTI_AFFINITY, ServerGroup
from novalite.errors import CellMappingNotFound, RequestInvalid

#: nova validates with JSON Schema 2020-12, whose ``prefixItems`` hold the allowed policies.
_DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: The largest OFFSET every supported database accepts.
_MAX_OFFSET = 2**63 - 1
_VARIANTS: dict[int, dict[str, Any]] = {}


def _schema(handler: str, kind: str, call: Call) -> dict[str, Any] | None:
    found = handler_schema("server_groups", f"ServerGroupController.{handler}", kind, call.version)
    if found is None:
        return None
    variant = _VARIANTS.get(id(found))
    if variant is None:
        variant = _VARIANTS[id(found)] = {"$schema": _DRAFT, **found}
    return variant


def _repo(call: Call) -> ServerGroupRepository:
    return ServerGroupRepository(call.deps.db)


def _own_project(call: Call) -> dict[str, Any]:
    return {"project_id": call.context.project_id}


def _count(params: dict[str, list[str]], name: str) -> int | None:
    raw = last(params, name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise RequestInvalid(f"{name} must be an integer") from None
    if value < 0:
        raise RequestInvalid(f"{name} must be >= 0")
    return value


async def _live(call: Call, uuids: Collection[str]) -> set[str]:
    """The members that are not deleted: not scheduled yet, or live in their cell.

    Deleting a server leaves it in its group; nova hides it when showing the group.
    Without cells (no servers served) every member is shown.
    """
    cells = call.deps.cells
    if cells is None or not uuids:
        return set(uuids)
    mappings = await InstanceMappingRepository(call.deps.db).get_many(uuids)
    live = {uuid for uuid, mapping in mappings.items() if mapping.cell_uuid is None}
    by_cell: defaultdict[str, list[str]] = defaultdict(list)
    for uuid, mapping in mappings.items():
        if mapping.cell_uuid is not None:
            by_cell[mapping.cell_uuid].append(uuid)
    for cell_uuid, members in by_cell.items():
        try:
            cell = await cells.cell(cell_uuid)
        except CellMappingNotFound:
            continue
        live.update(await InstanceRepository(cells.database(cell), cell.uuid).get_many(members))
    return live


async def _shown(call: Call, groups: Iterable[ServerGroup]) -> list[dict[str, Any]]:
    groups = list(groups)
    live = await _live(call, {uuid for group in groups for uuid in group.members})
    return [views.server_group(call, group, live) for group in groups]


def _policy_and_rules(call: Call, spec: dict[str, Any]) -> tuple[str, dict[str, int]]:
    if call.version < (2, 64):
        return spec["policies"][0], {}
    policy: str = spec["policy"]
    rules = spec.get("rules") or {}
    if policy != ANTI_AFFINITY and rules:
        raise RequestInvalid("Only anti-affinity policy supports rules.")
    return policy, {key: int(value) for key, value in rules.items()}


async def create(call: Call) -> Response:
    """``POST /os-server-groups``: a group owned by the caller's project and user."""
    body = await call.body(_schema("create", "request_body", call))
    call.authorize(policies.SERVER_GROUPS % "create", _own_project(call))
    spec = body["server_group"]
    check_name(spec["name"])
    policy, rules = _policy_and_rules(call, spec)
    group = ServerGroup(
        name=spec["name"],
        project_id=call.context.project_id,
        user_id=call.context.user_id,
        policy=policy,
        rules=rules,
    )
    stored = await _repo(call).create(group)
    (shown,) = await _shown(call, [stored])
    return json_response({"server_group": shown})


async def index(call: Call) -> Response:
    """``GET /os-server-groups``: the project's groups (every project's with ``all_projects``
    for admins), cut by ``offset`` and ``limit``."""
    params = call.query(_schema("index", "query", call))
    call.authorize(policies.SERVER_GROUPS % "index", _own_project(call))
    project_id: str | None = call.context.project_id
    if "all_projects" in params and call.allowed(
        policies.SERVER_GROUPS % "index:all_projects", _own_project(call)
    ):
        project_id = None
    limit = min(call.deps.max_limit, _count(params, "limit") or call.deps.max_limit)
    offset = min(_count(params, "offset") or 0, _MAX_OFFSET)
    groups = await _repo(call).list(project_id, limit=limit, offset=offset)
    return json_response({"server_groups": await _shown(call, groups)})


async def show(call: Call) -> Response:
    """``GET /os-server-groups/{server_group_id}``."""
    call.query(_schema("show", "query", call))
    group = await _repo(call).get(call.param("server_group_id"))
    call.authorize(policies.SERVER_GROUPS % "show", {"project_id": group.project_id})
    (shown,) = await _shown(call, [group])
    return json_response({"server_group": shown})


async def delete(call: Call) -> Response:
    """``DELETE /os-server-groups/{server_group_id}``: 204."""
    repo = _repo(call)
    group = await repo.get(call.param("server_group_id"))
    call.authorize(policies.SERVER_GROUPS % "delete", {"project_id": group.project_id})
    await repo.delete(group.uuid)
    return empty_response(204)

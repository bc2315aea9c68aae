"""``/servers/{server_id}/os-instance-actions``: a server's recorded actions and their events.

The server is found through its instance mapping (API database) and its cell's
database, where the actions are recorded; from 2.21 deleted servers are found too.
A server not scheduled yet has no actions recorded anywhere.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from starlette.responses import Response

from novalite.api import policies
from novalite.api.cells import CellRouter
from novalite.api.common import last, limit_and_marker
from novalite.api.schemas import handler_schema
from novalite.api.server_lookup import find_server
from novalite.api.views import instance_actions as views
from novalite.api.wsgi import Call, json_response, next_link
from novalite.db.engine import Database
from novalite.db.repositories.instance_actions import InstanceActionRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.instance import InstanceAction
from novalite.errors import (
    ActionNotFound,
    CellMappingNotFound,
    InstanceActionNotFound,
    InstanceMappingNotFound,
    InstanceNotFound,
    RequestInvalid,
)


@dataclasses.dataclass(frozen=True)
class _Server:
    """The server whose actions are asked for: its project and its cell's database."""

    uuid: str
    project_id: str | None
    cell_db: Database | None


def _schema(handler: str, kind: str, call: Call) -> dict[str, Any] | None:
    return handler_schema(
        "instance_actions", f"InstanceActionsController.{handler}", kind, call.version
    )


async def _server(call: Call) -> _Server:
    """The server of the path, 404 "Instance <id> could not be found." when unknown."""
    cells = call.deps.cells
    if cells is None:
        raise RuntimeError("the compute API was built without cells")
    server_id = call.param("server_id")
    try:
        located = await find_server(call.deps.db, cells, server_id)
    except InstanceNotFound:
        if call.version < (2, 21):
            raise
        return await _deleted_server(call, cells, server_id)
    cell_db = cells.database(located.cell) if located.cell is not None else None
    return _Server(located.instance.uuid, located.instance.project_id, cell_db)


async def _deleted_server(call: Call, cells: CellRouter, server_id: str) -> _Server:
    """A deleted server, still mapped to its cell (2.21 shows deleted servers' actions)."""
    try:
        mapping = await InstanceMappingRepository(call.deps.db).get(server_id)
        if mapping.cell_uuid is None:
            raise InstanceNotFound(instance_id=server_id)
        cell = await cells.cell(mapping.cell_uuid)
    except (InstanceMappingNotFound, CellMappingNotFound):
        raise InstanceNotFound(instance_id=server_id) from None
    cell_db = cells.database(cell)
    instance = await InstanceRepository(cell_db, cell.uuid).get(server_id, read_deleted=True)
    return _Server(instance.uuid, instance.project_id, cell_db)


def _time(params: dict[str, list[str]], name: str) -> datetime.datetime | None:
    raw = last(params, name)
    if raw is None:
        return None
    try:
        value = datetime.datetime.fromisoformat(raw)
    except ValueError:
        raise RequestInvalid(
            f"Invalid input for query parameters {name}. Value: {raw}. '{raw}' is not a 'date-time'"
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value


async def index(call: Call) -> Response:
    """``GET /servers/{server_id}/os-instance-actions``: newest first.

    From 2.58 paged by ``limit``/``marker`` (a request id) and filtered by
    ``changes-since`` (and ``changes-before`` from 2.66) on the actions' update time.
    """
    params = call.query(_schema("index", "query", call))
    server = await _server(call)
    call.authorize(policies.INSTANCE_ACTIONS % "list", {"project_id": server.project_id})
    paged = call.version >= (2, 58)
    since = before = None
    limit: int | None = None
    marker: str | None = None
    if paged:
        since = _time(params, "changes-since")
        before = _time(params, "changes-before")
        if since is not None and before is not None and before < since:
            raise RequestInvalid(
                "The value of changes-since must be less than or equal to changes-before."
            )
        limit, marker = limit_and_marker(call, params)
    actions: list[InstanceAction] = []
    if server.cell_db is not None:
        actions = await InstanceActionRepository(server.cell_db).list(
            server.uuid, limit=limit, marker=marker, changes_since=since, changes_before=before
        )
    body: dict[str, Any] = {"instanceActions": [views.action(call, a) for a in actions]}
    if paged and actions and len(actions) == _page_size(call, params):
        path = f"servers/{server.uuid}/os-instance-actions"
        body["links"] = next_link(call, path, actions[-1].request_id or "")
    return json_response(body)


def _page_size(call: Call, params: dict[str, list[str]]) -> int:
    """nova's page size for the next link: ``limit`` (validated digits) capped at max_limit."""
    raw = last(params, "limit")
    return min(int(raw) if raw is not None else call.deps.max_limit, call.deps.max_limit)


async def show(call: Call) -> Response:
    """``GET /servers/{server_id}/os-instance-actions/{request_id}``: the action and its events.

    Events are shown to admins (policy ``events``) at every microversion, with their
    tracebacks and (2.62) hosts; from 2.51 to everyone allowed to see the action, without
    them. ``hostId`` from 2.62; ``details`` from 2.84 under policy ``events:details``.
    """
    call.query(_schema("show", "query", call))
    server = await _server(call)
    target = {"project_id": server.project_id}
    call.authorize(policies.INSTANCE_ACTIONS % "show", target)
    request_id = call.param("request_id")
    if server.cell_db is None:
        raise ActionNotFound(request_id=request_id)
    try:
        found = await InstanceActionRepository(server.cell_db).get(server.uuid, request_id)
    except InstanceActionNotFound:
        raise ActionNotFound(request_id=request_id) from None
    body = views.action(call, found)
    admin = call.allowed(policies.INSTANCE_ACTIONS % "events", target)
    if admin or call.version >= (2, 51):
        view = views.EventView(
            traceback=admin,
            host=admin and call.version >= (2, 62),
            host_id=call.version >= (2, 62),
            details=call.version >= (2, 84)
            and call.allowed(policies.INSTANCE_ACTIONS % "events:details", target),
        )
        project_id = found.project_id or server.project_id
        body["events"] = [views.event(e, project_id, view) for e in found.events]
    return json_response({"instanceAction": body})

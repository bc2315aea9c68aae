"""``/servers``: create, list (index, detail), show, update and delete servers."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response

from novalite.api import policies, server_filters
from novalite.api.cells import CellRouter
from novalite.api.handlers import server_body
from novalite.api.schemas import handler_schema
from novalite.api.server_create import (
    CreateRequest,
    ServerCreator,
    find_group,
    generate_password,
)
from novalite.api.server_delete import ServerDeleter
from novalite.api.server_list import ServerLister, ServerPage
from novalite.api.server_lookup import (
    DOWN_CELL_RECORDS,
    CellUnavailable,
    Located,
    find_server,
    partial_instance,
)
from novalite.api.server_ops import check_lock
from novalite.api.views.servers import ServerView
from novalite.api.views.servers_extra import host_statuses_of, server_groups_of
from novalite.api.wsgi import Call, empty_response, json_response, next_link
from novalite.api_common.microversion import Version
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.db.repositories.request_specs import RequestSpecRepository
from novalite.domain.instance import InstanceMapping
from novalite.errors import (
    BuildRequestNotFound,
    FlavorNotFound,
    InstanceGroupNotFound,
    InstanceNotFound,
    MarkerNotFound,
    NovaliteError,
    PolicyNotAuthorized,
    RequestInvalid,
    RequestSpecNotFound,
)

_MODULE = "servers"


def _schema(handler: str, kind: str, version: Version) -> dict[str, Any] | None:
    return handler_schema(_MODULE, f"ServersController.{handler}", kind, version)


def cells_of(call: Call) -> CellRouter:
    """The cell router (servers are not served without one)."""
    if call.deps.cells is None:
        raise NovaliteError("the compute API was started without cells")
    return call.deps.cells


def _owner(located: Located) -> dict[str, Any]:
    return {"project_id": located.instance.project_id, "user_id": located.instance.user_id}


async def locate(call: Call, *, with_fault: bool = False) -> Located:
    """The server of the ``server_id`` path parameter (404 when unknown)."""
    return await find_server(
        call.deps.db, cells_of(call), call.param("server_id"), with_fault=with_fault
    )


# -- create -----------------------------------------------------------------------------------


async def create(call: Call) -> Response:
    """``POST /servers``: record the build requests and cast their scheduling (202)."""
    ctx = call.context
    call.authorize(policies.SERVERS % "create")
    body = await call.body(_schema("create", "request_body", call.version))
    request = server_body.create_request(call, body)
    _authorize_extras(call, body["server"], request)
    if call.deps.conductor is None:
        raise NovaliteError("the compute API was started without a conductor")
    creator = ServerCreator(
        call.deps.db,
        call.deps.conductor,
        name_template=call.deps.multi_instance_display_name_template,
    )
    try:
        flavor = await creator.flavor(ctx, request.flavor_id)
    except FlavorNotFound as exc:
        raise RequestInvalid(exc.message) from None
    zero_disk = flavor.root_gb == 0 and not request.is_bfv
    if zero_disk and not call.allowed(policies.SERVERS % "create:zero_disk_flavor"):
        raise PolicyNotAuthorized(
            "Only volume-backed servers are allowed for flavors with zero disk."
        )
    group = None
    group_hint = request.scheduler_hints.get("group")
    if group_hint:
        try:
            group = await find_group(call.deps.db, group_hint[0])
        except InstanceGroupNotFound as exc:
            raise RequestInvalid(exc.message) from None
    password = body["server"].get("adminPass") or generate_password()
    created = await creator.create(ctx, request, flavor, group, password)
    if server_body.wants_reservation_id(body):
        return json_response({"reservation_id": created.reservation_id}, 202)
    first = created.instances[0]
    view = ServerView.for_call(call)
    server: dict[str, Any] = {
        "id": first.uuid,
        "links": view.links("servers", first.uuid),
        "OS-DCF:diskConfig": body["server"].get("OS-DCF:diskConfig", "MANUAL"),
        "security_groups": server_body.security_groups(body),
    }
    if call.deps.enable_instance_password:
        server["adminPass"] = created.admin_password
    response = json_response({"server": server}, 202)
    response.headers["Location"] = server["links"][0]["href"]
    return response


def _authorize_extras(call: Call, server: dict[str, Any], request: CreateRequest) -> None:
    """The sub-policies of create: forced host, requested destination, networks, volumes."""
    if request.forced_host or request.forced_node:
        call.authorize(policies.SERVERS % "create:forced_host")
    if request.requested_host or request.requested_node:
        call.authorize(policies.REQUESTED_DESTINATION)
    if isinstance(server.get("networks"), list) and server["networks"]:
        call.authorize(policies.SERVERS % "create:attach_network")
    if request.is_bfv:
        call.authorize(policies.SERVERS % "create:attach_volume")


# -- list and show ----------------------------------------------------------------------------


async def _list(call: Call, *, detail: bool) -> Response:
    call.authorize(policies.SERVERS % ("detail" if detail else "index"))
    handler = "detail" if detail else "index"
    params = call.query(_schema(handler, "query", call.version))
    parsed = server_filters.parse(call, params, detail=detail)
    page = ServerPage([])
    if parsed.query is not None:
        parsed.query.with_faults = detail
        lister = ServerLister(call.deps.db, cells_of(call))
        try:
            page = await lister.page(
                parsed.query, parsed.marker, unavailable=call.version >= DOWN_CELL_RECORDS
            )
        except MarkerNotFound:
            raise RequestInvalid(f"marker [{parsed.marker}] not found") from None
    view = ServerView.for_call(call)
    instances = page.instances
    servers = [view.unavailable(m, detail=detail) for m in page.unavailable]
    if detail:
        statuses = await host_statuses_of(call, view, instances)
        servers += [view.detail(i, host_status=statuses.get(i.uuid)) for i in instances]
    else:
        servers += [view.basic(i) for i in instances]
    body: dict[str, Any] = {"servers": servers}
    if servers and len(servers) >= parsed.limit:
        path = "servers/detail" if detail else "servers"
        body["servers_links"] = next_link(call, path, servers[-1]["id"])
    return Response(orjson.dumps(body), media_type="application/json")


async def index(call: Call) -> Response:
    """``GET /servers``: id, name and links of the caller's servers."""
    return await _list(call, detail=False)


async def detail(call: Call) -> Response:
    """``GET /servers/detail``: the caller's servers with every field."""
    return await _list(call, detail=True)


async def show(call: Call) -> Response:
    """``GET /servers/{server_id}``."""
    call.query(_schema("show", "query", call.version))
    try:
        located = await locate(call, with_fault=True)
    except CellUnavailable as down:
        if call.version < DOWN_CELL_RECORDS:
            raise
        return json_response({"server": await _render_unavailable(call, down.mapping)})
    call.authorize(policies.SERVERS % "show", {"project_id": located.instance.project_id})
    return json_response({"server": await render(call, located)})


async def _render_unavailable(call: Call, mapping: InstanceMapping) -> dict[str, Any]:
    """2.69's partial server of a cell that does not answer: what its mapping and its
    request spec say."""
    call.authorize(policies.SERVERS % "show", {"project_id": mapping.project_id})
    try:
        spec = await RequestSpecRepository(call.deps.db).get(mapping.instance_uuid)
    except RequestSpecNotFound:
        raise InstanceNotFound(instance_id=mapping.instance_uuid) from None
    instance = partial_instance(mapping, spec)
    view = ServerView.for_call(call, instance.project_id)
    groups = await server_groups_of(call, instance) if call.version >= (2, 71) else None
    return view.unavailable_detail(instance, server_groups=groups)


async def render(call: Call, located: Located, *, full: bool = True) -> dict[str, Any]:
    """The detailed body of one server (show, update), host status and groups included."""
    instance = located.instance
    view = ServerView.for_call(call, instance.project_id)
    statuses = await host_statuses_of(call, view, [instance]) if full else {}
    groups = await server_groups_of(call, instance) if call.version >= (2, 71) else None
    return view.detail(
        instance, host_status=statuses.get(instance.uuid), server_groups=groups, full=full
    )


# -- update and delete ------------------------------------------------------------------------


async def update(call: Call) -> Response:
    """``PUT /servers/{server_id}``: name, description (2.19), hostname (2.90), access IPs.

    A server still waiting to be scheduled is changed in its build request.
    """
    body = await call.body(_schema("update", "request_body", call.version))
    located = await locate(call)
    call.authorize(policies.SERVERS % "update", _owner(located))
    updates = server_body.update_values(call, body)
    if located.cell is None and updates:
        for name, value in updates.items():
            setattr(located.instance, name, value)
        try:
            stored = await BuildRequestRepository(call.deps.db).save_instance(located.instance)
        except BuildRequestNotFound:
            located = await locate(call)  # scheduled meanwhile: update it in its cell
        else:
            located.instance = stored.instance
            updates = {}
    if located.cell is not None and updates:
        repo = InstanceRepository(cells_of(call).database(located.cell), located.cell.uuid)
        located.instance = await repo.update(located.instance.uuid, updates)
    full = call.version >= (2, 75)
    return json_response({"server": await render(call, located, full=full)})


async def delete(call: Call) -> Response:
    """``DELETE /servers/{server_id}`` (204)."""
    located = await locate(call)
    call.authorize(policies.SERVERS % "delete", _owner(located))
    await delete_server(call, located)
    return empty_response(204)


async def delete_server(call: Call, located: Located) -> None:
    """Delete (or force-delete) ``located`` after the lock check."""
    check_lock(call.context, located.instance)
    deleter = ServerDeleter(
        call.deps.db,
        cells_of(call),
        placement=call.deps.placement,
        service_down_time=call.deps.service_down_time,
    )
    await deleter.delete(call.context, located)

"""``POST /servers/{server_id}/action``: os-stop, os-start, reboot and forceDelete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.responses import Response

from novalite.api import policies
from novalite.api.handlers.servers import cells_of, delete_server, locate
from novalite.api.schemas import handler_schema
from novalite.api.server_lookup import Located
from novalite.api.server_ops import ServerOperations
from novalite.api.wsgi import Call, check, empty_response
from novalite.errors import RequestInvalid

_Action = Callable[[Call, Located, Any], Awaitable[None]]


def _target(located: Located) -> dict[str, Any]:
    return {"project_id": located.instance.project_id, "user_id": located.instance.user_id}


async def _stop(call: Call, located: Located, _: Any) -> None:
    call.authorize(policies.SERVERS % "stop", _target(located))
    await ServerOperations(cells_of(call)).stop(call.context, located)


async def _start(call: Call, located: Located, _: Any) -> None:
    call.authorize(policies.SERVERS % "start", _target(located))
    await ServerOperations(cells_of(call)).start(call.context, located)


async def _reboot(call: Call, located: Located, value: Any) -> None:
    call.authorize(policies.SERVERS % "reboot", _target(located))
    await ServerOperations(cells_of(call)).reboot(call.context, located, value["type"])


async def _force_delete(call: Call, located: Located, _: Any) -> None:
    call.authorize(policies.FORCE_DELETE, _target(located))
    await delete_server(call, located)


#: action key -> (schema module, upstream handler, implementation)
ACTIONS: dict[str, tuple[str, str, _Action]] = {
    "os-stop": ("servers", "ServersController._stop", _stop),
    "os-start": ("servers", "ServersController._start", _start),
    "reboot": ("servers", "ServersController._reboot", _reboot),
    "forceDelete": ("deferred_delete", "DeferredDeleteController._force_delete", _force_delete),
}


async def action(call: Call) -> Response:
    """Run the one action named by the body's only key (202)."""
    body = await call.json()
    if not isinstance(body, dict) or len(body) != 1:
        raise RequestInvalid("Malformed request body")
    name = next(iter(body))
    if name not in ACTIONS:
        raise RequestInvalid(f"There is no such action: {name}")
    module, handler, run = ACTIONS[name]
    schema = handler_schema(module, handler, "request_body", call.version)
    if schema is not None:
        check(body, schema)
    located = await locate(call)
    await run(call, located, body[name])
    return empty_response(202)

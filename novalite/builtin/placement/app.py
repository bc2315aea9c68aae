"""The placement application factory, its error renderer and its database preparation."""

from __future__ import annotations

import http
import json
from collections.abc import Mapping, Sequence

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp

from novalite.api_common import microversion
from novalite.api_common.app import create_app
from novalite.api_common.microversion import MicroversionMiddleware, Version
from novalite.api_common.policy import Enforcer
from novalite.builtin.placement import handler, policies
from novalite.builtin.placement.db import schema, traits
from novalite.builtin.placement.options import PLACEMENT_VERSIONS, PlacementOptions
from novalite.db import migrate
from novalite.db.engine import Database

#: Placement's request id response header.
REQUEST_ID_HEADER = "openstack-request-id"

_EXPLANATIONS = {
    400: "The server could not comply with the request since it is either malformed "
    "or otherwise incorrect.",
    404: "The resource could not be found.",
    405: "The method is not allowed for this resource.",
    406: "The resource could not be generated that was acceptable to your browser "
    "(content of type application/json.",
    409: "There was a conflict when trying to complete your request.",
    413: "The request is larger than the server is willing or able to process.",
    415: "The request media type is not supported by this server.",
}


def render_placement_error(
    request: Request,
    status: int,
    message: str,
    code: str | None,
    headers: Mapping[str, str] | None,
) -> Response:
    """Placement's API-WG error body; ``code`` from 1.23, version range on 406."""
    state = request.scope.get("state") or {}
    version = state.get(microversion.STATE_KEY)
    try:
        title = http.HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    explanation = _EXPLANATIONS.get(status)
    detail = f"{explanation}\n\n {message}  " if explanation and message != explanation else message
    error: dict[str, object] = {"status": status, "title": title, "detail": detail}
    if isinstance(version, Version) and version >= (1, 23):
        error["code"] = (
            code if code and code.startswith("placement.") else "placement.undefined_code"
        )
    if status == 406 and not isinstance(version, Version):
        error["min_version"] = str(PLACEMENT_VERSIONS.min_version)
        error["max_version"] = str(PLACEMENT_VERSIONS.max_version)
    request_id = state.get("request_id")
    if request_id:
        error["request_id"] = request_id
    response = Response(
        json.dumps({"errors": [error]}), status_code=status, media_type="application/json"
    )
    if headers:
        for key, value in headers.items():
            response.headers[key] = value
    return response


def create_placement_app(
    options: PlacementOptions,
    db: Database,
    *,
    middleware: Sequence[Middleware] = (),
    enforcer: Enforcer | None = None,
) -> ASGIApp:
    """The Placement API application over ``db`` (prepared by :func:`prepare_placement_db`).

    ``middleware`` (authentication: it must put a ``RequestContext`` in
    ``scope["state"]["context"]`` and let ``GET /`` through) runs before the
    microversion middleware. ``enforcer`` defaults to one over
    :data:`novalite.builtin.placement.policies.RULES` with ``options.policy_file``.
    """
    if enforcer is None:
        enforcer = Enforcer(
            policies.RULES,
            policy_file=options.policy_file,
            enforce_scope=options.enforce_scope,
            enforce_new_defaults=options.enforce_new_defaults,
        )
    return create_app(
        handler.make_routes(db, options, enforcer),
        request_id_headers=(REQUEST_ID_HEADER,),
        render_error=render_placement_error,
        middleware=[*middleware, Middleware(MicroversionMiddleware, spec=PLACEMENT_VERSIONS)],
    )


async def prepare_placement_db(db: Database) -> None:
    """Migrate placement's schema to head and sync the os-traits standard traits.

    Standard resource classes need no rows (their ids are their os-resource-classes
    positions, see :mod:`novalite.builtin.placement.db.resource_classes`).
    """
    schema.register()
    await migrate.sync(db, schema.SCHEMA)
    async with db.writer() as session:
        await traits.sync_standard(session)

"""How a compute API handler is called: version, context, validation, errors.

Handlers are ``async def handler(call: Call) -> Response``; :func:`endpoint`
turns one into a Starlette endpoint that answers 404 outside the handler's
:func:`~novalite.api_common.microversion.versioned` range and renders every
error as nova's fault body (so the microversion headers are set on it too).
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlencode

import jsonschema
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from novalite.api.cells import CellRouter
from novalite.api.microversion import MAX_VERSION, compute_version
from novalite.api.project_prefix import URL_PROJECT_KEY
from novalite.api_common.faults import UNEXPECTED_MESSAGE, render_nova_fault
from novalite.api_common.microversion import Version, accepts
from novalite.api_common.policy import Enforcer
from novalite.api_common.validation import compiled, read_body
from novalite.clients.placement import PlacementClient
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.errors import NotFound, NovaliteError, RequestInvalid, UnsupportedMediaType
from novalite.rpc.conductor import ConductorAPI

LOG = logging.getLogger(__name__)

#: oslo.middleware's default ``[oslo_middleware] max_request_body_size``.
MAX_BODY_SIZE = 114688
JSON_TYPE = "application/json"
_BODY_KEY = "compute_json_body"


@dataclasses.dataclass(frozen=True)
class ApiDeps:
    """What handlers need: the API database, the policy enforcer, cells, the bus, options."""

    db: Database
    enforcer: Enforcer
    max_limit: int = 1000
    max_version: Version = MAX_VERSION
    #: The cells (databases and compute buses); servers are not served without it.
    cells: CellRouter | None = None
    #: The super-conductor, to which builds are cast.
    conductor: ConductorAPI | None = None
    #: Placement, to drop the allocations of servers deleted by the API itself.
    placement: PlacementClient | None = None
    #: ``[DEFAULT] service_down_time``.
    service_down_time: float = 60.0
    #: ``[api] enable_instance_password``.
    enable_instance_password: bool = True
    #: ``[DEFAULT] multi_instance_display_name_template``.
    multi_instance_display_name_template: str = "%(name)s-%(count)d"


@dataclasses.dataclass(frozen=True)
class Call:
    """One request as a handler sees it."""

    request: Request
    version: Version
    context: RequestContext
    deps: ApiDeps

    def param(self, name: str) -> str:
        """A path parameter."""
        value: str = self.request.path_params[name]
        return value

    def authorize(self, action: str, target: Mapping[str, Any] | None = None) -> None:
        """403 unless the caller may perform ``action`` (target defaults to its project)."""
        if target is None:
            target = {"project_id": self.context.project_id, "user_id": self.context.user_id}
        self.deps.enforcer.authorize(action, target, self.context)

    def allowed(self, action: str, target: Mapping[str, Any] | None = None) -> bool:
        """Whether the caller may perform ``action`` (a non-fatal sub-check)."""
        if target is None:
            target = {"project_id": self.context.project_id, "user_id": self.context.user_id}
        return self.deps.enforcer.check(action, target, self.context)

    def query(self, schema: Mapping[str, Any] | None) -> dict[str, list[str]]:
        """The query string as nova validates it: every key mapped to its list of values."""
        params: dict[str, list[str]] = {}
        for key, value in self.request.query_params.multi_items():
            params.setdefault(key, []).append(value)
        if schema is not None:
            check(params, schema, query=True)
        return params

    async def json(self) -> Any:
        """The JSON body (read once, 400/413/415 with nova's messages)."""
        state = self.request.scope.setdefault("state", {})
        if _BODY_KEY in state:
            return state[_BODY_KEY]
        raw = await read_body(self.request, max_size=MAX_BODY_SIZE)
        content_type = self.request.headers.get("content-type")
        if content_type and content_type.split(";", 1)[0].strip().lower() != JSON_TYPE:
            raise UnsupportedMediaType(message="Unsupported Content-Type")
        if not raw:
            raise RequestInvalid("The request body is invalid.")
        try:
            body = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise RequestInvalid("Malformed request body") from None
        state[_BODY_KEY] = body
        return body

    async def body(self, schema: Mapping[str, Any] | None) -> Any:
        """The JSON body, validated against ``schema`` (400 with nova's messages)."""
        body = await self.json()
        if schema is not None:
            check(body, schema)
        return body

    def url(self, *parts: str, versioned: bool = True) -> str:
        """An absolute link under this API (``versioned=False`` gives the bookmark form)."""
        return join_url(self.request, *parts, versioned=versioned)


def service_root(request: Request) -> str:
    """Scheme, host and mount point of the compute API (``http://h/compute``), no ``/v2.1``."""
    root: str = request.scope.get("root_path", "").rstrip("/")
    project = request.scope.get("state", {}).get(URL_PROJECT_KEY)
    if project and root.endswith(f"/{project}"):
        root = root[: -len(project) - 1]
    if root.endswith("/v2.1"):
        root = root[: -len("/v2.1")]
    return f"{request.url.scheme}://{request.url.netloc}{root}"


def join_url(request: Request, *parts: str, versioned: bool = True) -> str:
    """``<scheme://host><mount point>[/v2.1][/<project>]/<parts>``.

    The project id is in links only when the request's URL had it, as in nova.
    """
    prefix = service_root(request) + ("/v2.1" if versioned else "")
    project = request.scope.get("state", {}).get(URL_PROJECT_KEY)
    if project:
        prefix += f"/{project}"
    return "/".join([prefix, *parts])


def next_link(call: Call, path: str, marker: str) -> list[dict[str, str]]:
    """nova's ``<collection>_links``: the other query parameters, sorted, plus the marker."""
    params = {k: v for k, v in call.request.query_params.items() if k != "marker"}
    params["marker"] = marker
    return [{"rel": "next", "href": f"{call.url(path)}?{urlencode(sorted(params.items()))}"}]


def check(instance: Any, schema: Mapping[str, Any], *, query: bool = False) -> None:
    """400 with nova's message unless ``instance`` validates against ``schema``."""
    error = jsonschema.exceptions.best_match(compiled(schema).iter_errors(instance))
    if error is None:
        return
    what = "query parameters" if query else "field/attribute"
    if error.path:
        # nova names the innermost key (list indexes of query values are skipped).
        names = [p for p in error.path if isinstance(p, str)] if query else list(error.path)
        path = str(names[-1] if names else error.path[-1])
        message = f"Invalid input for {what} {path}. Value: {error.instance}. {error.message}"
    else:
        message = error.message
    raise RequestInvalid(message)


Handler = Callable[[Call], Awaitable[Response]]


def json_response(body: Any, status: int = 200) -> JSONResponse:
    """A JSON response the way nova sends it."""
    return JSONResponse(body, status_code=status)


def empty_response(status: int) -> Response:
    """A response with no body (202/204 of deletes and actions)."""
    return Response(status_code=status)


def endpoint(handler: Handler, deps: ApiDeps) -> Callable[[Request], Awaitable[Response]]:
    """The Starlette endpoint that runs ``handler`` with a :class:`Call`."""

    async def run(request: Request) -> Response:
        try:
            version = compute_version(request.scope, deps.max_version)
            if not accepts(handler, version):
                raise NotFound("The resource could not be found.")
            context = request.scope.get("state", {}).get("context")
            if not isinstance(context, RequestContext):
                raise RuntimeError("no request context: the auth middleware is missing")
            return await handler(Call(request, version, context, deps))
        except NovaliteError as exc:
            if exc.http_status >= 500:
                # As nova: an internal error's text is logged, never shown to the caller.
                LOG.error("%s %s failed: %s", request.method, request.url.path, exc)
                return render_nova_fault(request, 500, UNEXPECTED_MESSAGE, exc.code, None)
            headers = getattr(exc, "headers", None)
            return render_nova_fault(request, exc.http_status, exc.message, exc.code, headers)
        except HTTPException as exc:
            return render_nova_fault(request, exc.status_code, str(exc.detail), None, exc.headers)
        except Exception:
            LOG.exception("%s %s raised an unexpected error", request.method, request.url.path)
            return render_nova_fault(request, 500, UNEXPECTED_MESSAGE, None, None)

    run.__name__ = getattr(handler, "__name__", "handler")
    return run

"""The Compute API application."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp

from novalite.api.cells import CellRouter
from novalite.api.handlers import versions
from novalite.api.microversion import MAX_VERSION, compute_spec
from novalite.api.policies import RULES
from novalite.api.project_prefix import ProjectPrefixMiddleware
from novalite.api.routes import build_routes, collections
from novalite.api.wsgi import ApiDeps
from novalite.api_common.app import create_app, healthcheck
from novalite.api_common.faults import error_handlers, render_nova_fault
from novalite.api_common.microversion import MicroversionMiddleware, Version
from novalite.api_common.policy import Enforcer
from novalite.api_common.request_id import COMPUTE_REQUEST_ID_HEADER, REQUEST_ID_HEADER
from novalite.clients.placement import PlacementClient
from novalite.db.engine import Database
from novalite.errors import NovaliteError
from novalite.rpc.conductor import ConductorAPI

#: Paths served without a token (version documents, health).
PUBLIC_PATHS = ("/", "/healthcheck")

__all__ = ["PUBLIC_PATHS", "RULES", "create_compute_app"]


def _versioned_app(deps: ApiDeps) -> ASGIApp:
    # Only the 4xx handlers: a handler for Exception would make Starlette re-raise after
    # answering; endpoints turn unexpected errors into nova's 500 themselves.
    handlers = {
        kind: handler
        for kind, handler in error_handlers(render_nova_fault).items()
        if kind in (HTTPException, NovaliteError)
    }
    inner = Starlette(routes=build_routes(deps), exception_handlers=handlers)  # type: ignore[arg-type]
    prefixed = ProjectPrefixMiddleware(inner, collections())
    return MicroversionMiddleware(prefixed, compute_spec(deps.max_version))


def create_compute_app(
    middleware: Sequence[Middleware] = (),
    *,
    db: Database | None = None,
    enforcer: Enforcer | None = None,
    max_limit: int = 1000,
    max_version: Version = MAX_VERSION,
    cells: CellRouter | None = None,
    conductor: ConductorAPI | None = None,
    placement: PlacementClient | None = None,
    service_down_time: float = 60.0,
    enable_instance_password: bool = True,
    multi_instance_display_name_template: str = "%(name)s-%(count)d",
) -> ASGIApp:
    """The Compute API: ``/`` versions, ``/v2.1/...`` resources, ``/healthcheck``.

    ``middleware`` is the authentication in front of it (it must put a
    ``RequestContext`` in ``scope["state"]["context"]``); ``db`` is the API
    database; ``enforcer`` decides policy (built from :data:`RULES` when not
    given); ``max_limit`` is ``[api] max_limit``; ``max_version`` the highest
    microversion claimed. Without ``db`` only the version documents are served.
    ``cells`` (cell databases and compute buses), ``conductor`` (the super-conductor)
    and ``placement`` serve ``/servers``; the remaining options are nova's
    ``service_down_time``, ``[api] enable_instance_password`` and
    ``multi_instance_display_name_template``.
    """
    routes: list[BaseRoute] = [
        Route("/", versions.versions_endpoint(max_version), methods=["GET"]),
        Route("/v2.1", versions.redirect_v21, methods=["GET"]),
    ]
    if db is not None:
        deps = ApiDeps(
            db=db,
            enforcer=enforcer if enforcer is not None else Enforcer(RULES),
            max_limit=max_limit,
            max_version=max_version,
            cells=cells,
            conductor=conductor,
            placement=placement,
            service_down_time=service_down_time,
            enable_instance_password=enable_instance_password,
            multi_instance_display_name_template=multi_instance_display_name_template,
        )
        routes.append(Mount("/v2.1", app=_versioned_app(deps)))
    routes += [
        Route("/healthcheck", healthcheck, methods=["GET", "HEAD"]),
        Route("/{path:path}", versions.multiple_choices_endpoint(), methods=["GET"]),
    ]
    return create_app(
        routes,
        request_id_headers=(REQUEST_ID_HEADER, COMPUTE_REQUEST_ID_HEADER),
        middleware=middleware,
    )

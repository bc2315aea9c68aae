"""Placement's route table: one row per path, a handler per method (as upstream's handler.py).

A known path with another method answers 405 with ``Allow``; a handler outside
its microversion range (:func:`novalite.api_common.microversion.versioned`)
answers 404 - except ``DELETE .../inventories`` below 1.5, which is 405.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Receive, Scope, Send

from novalite.api_common import microversion
from novalite.api_common.policy import Enforcer
from novalite.builtin.placement import policies
from novalite.builtin.placement.errors import ConcurrentUpdate, MethodNotAllowed, NotFound
from novalite.builtin.placement.handlers import (
    aggregate,
    allocation,
    inventory,
    reshaper,
    resource_class,
    resource_provider,
    root,
    trait,
    usage,
)
from novalite.builtin.placement.options import PlacementOptions
from novalite.builtin.placement.util import PlacementRequest, check_accept
from novalite.context import RequestContext
from novalite.db.engine import Database
from novalite.errors import DBDeadlock, PolicyNotAuthorized

LOG = logging.getLogger(__name__)

Handler = Callable[[PlacementRequest], Awaitable[Response]]

_RP = "/resource_providers/{uuid}"

#: Path -> method -> handler.
ROUTE_DECLARATIONS: dict[str, dict[str, Handler]] = {
    "/": {"GET": root.home},
    "/resource_classes": {
        "GET": resource_class.list_resource_classes,
        "POST": resource_class.create_resource_class,
    },
    "/resource_classes/{name}": {
        "GET": resource_class.get_resource_class,
        "PUT": resource_class.update_resource_class,
        "DELETE": resource_class.delete_resource_class,
    },
    "/resource_providers": {
        "GET": resource_provider.list_resource_providers,
        "POST": resource_provider.create_resource_provider,
    },
    _RP: {
        "GET": resource_provider.get_resource_provider,
        "PUT": resource_provider.update_resource_provider,
        "DELETE": resource_provider.delete_resource_provider,
    },
    _RP + "/inventories": {
        "GET": inventory.get_inventories,
        "POST": inventory.create_inventory,
        "PUT": inventory.set_inventories,
        "DELETE": inventory.delete_inventories,
    },
    _RP + "/inventories/{resource_class}": {
        "GET": inventory.get_inventory,
        "PUT": inventory.update_inventory,
        "DELETE": inventory.delete_inventory,
    },
    _RP + "/usages": {"GET": usage.list_usages},
    _RP + "/aggregates": {
        "GET": aggregate.get_aggregates,
        "PUT": aggregate.set_aggregates,
    },
    _RP + "/allocations": {"GET": allocation.list_for_resource_provider},
    _RP + "/traits": {
        "GET": trait.list_traits_for_resource_provider,
        "PUT": trait.update_traits_for_resource_provider,
        "DELETE": trait.delete_traits_for_resource_provider,
    },
    "/allocations": {"POST": allocation.set_allocations},
    "/allocations/{consumer_uuid}": {
        "GET": allocation.list_for_consumer,
        "PUT": allocation.set_allocations_for_consumer,
        "DELETE": allocation.delete_allocations,
    },
    "/traits": {"GET": trait.list_traits},
    "/traits/{name}": {
        "GET": trait.get_trait,
        "PUT": trait.put_trait,
        "DELETE": trait.delete_trait,
    },
    "/usages": {"GET": usage.get_total_usages},
    "/reshaper": {"POST": reshaper.reshape},
}

_CANDIDATES_MODULE = "novalite.builtin.placement.handlers.allocation_candidate"


def _candidates_handler() -> Handler | None:
    """``GET /allocation_candidates`` lives in its own package; absent -> not routed."""
    try:
        module = importlib.import_module(_CANDIDATES_MODULE)
    except ImportError:
        LOG.warning(
            "%s is not available: GET /allocation_candidates answers 404", _CANDIDATES_MODULE
        )
        return None
    handler: Handler = module.list_allocation_candidates
    return handler


class _PathDispatcher:
    """The ASGI endpoint of one path: method dispatch, version range, Accept check."""

    def __init__(
        self,
        path: str,
        methods: Mapping[str, Handler],
        db: Database,
        options: PlacementOptions,
        enforcer: Enforcer,
    ) -> None:
        self.path = path
        self.methods = dict(methods)
        self.db = db
        self.options = options
        self.enforcer = enforcer
        self.allow = ", ".join(sorted(self.methods))

    def authorize(self, request: Request) -> None:
        """Check the route's policy rule (403); routes without a rule are public."""
        rule = policies.ROUTE_RULES.get((request.method, self.path))
        if rule is None:
            return
        context = (request.scope.get("state") or {}).get("context")
        if not isinstance(context, RequestContext):
            raise PolicyNotAuthorized(action=rule)
        target = {"project_id": context.project_id, "user_id": context.user_id}
        if rule == "placement:usages":
            target["project_id"] = request.query_params.get("project_id")
        self.enforcer.authorize(rule, target, context)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        version = microversion.request_version(scope)
        handler = self.methods.get(request.method)
        if handler is None:
            raise _method_not_allowed(self.allow)
        if not microversion.accepts(handler, version):
            if handler is inventory.delete_inventories:
                raise _method_not_allowed(self.allow)
            raise NotFound("The resource could not be found.")
        self.authorize(request)
        check_accept(request)
        try:
            response = await handler(PlacementRequest(request, version, self.db, self.options))
        except DBDeadlock:
            raise ConcurrentUpdate("Database deadlock, please retry the request") from None
        await response(scope, receive, send)


def _method_not_allowed(allow: str) -> MethodNotAllowed:
    return MethodNotAllowed("The method specified is not allowed for this resource.", allow=allow)


def make_routes(db: Database, options: PlacementOptions, enforcer: Enforcer) -> list[BaseRoute]:
    """Starlette routes for :data:`ROUTE_DECLARATIONS` (plus allocation candidates if present)."""
    declarations = dict(ROUTE_DECLARATIONS)
    candidates = _candidates_handler()
    if candidates is not None:
        declarations["/allocation_candidates"] = {"GET": candidates}
    return [
        Route(path, endpoint=_PathDispatcher(path, methods, db, options, enforcer))
        for path, methods in declarations.items()
    ]

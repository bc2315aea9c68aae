"""The compute API's route table: ``(method, path, handler)`` under ``/v2.1``."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute, Route

from novalite.api.handlers import (
    flavor_access,
    flavor_extra_specs,
    flavors,
    instance_actions,
    keypairs,
    server_actions,
    server_groups,
    servers,
    versions,
)
from novalite.api.wsgi import ApiDeps, Handler, endpoint

_FLAVOR = "/flavors/{flavor_id}"
_SPEC = _FLAVOR + "/os-extra_specs"

#: Every operation served, relative to the versioned endpoint.
ROUTES: tuple[tuple[str, str, Handler], ...] = (
    ("GET", "/", versions.show),
    ("GET", "/flavors", flavors.index),
    ("POST", "/flavors", flavors.create),
    ("GET", "/flavors/detail", flavors.detail),
    ("GET", _FLAVOR, flavors.show),
    ("PUT", _FLAVOR, flavors.update),
    ("DELETE", _FLAVOR, flavors.delete),
    ("POST", _FLAVOR + "/action", flavor_access.action),
    ("GET", _FLAVOR + "/os-flavor-access", flavor_access.index),
    ("GET", _SPEC, flavor_extra_specs.index),
    ("POST", _SPEC, flavor_extra_specs.create),
    ("GET", _SPEC + "/{key}", flavor_extra_specs.show),
    ("PUT", _SPEC + "/{key}", flavor_extra_specs.update),
    ("DELETE", _SPEC + "/{key}", flavor_extra_specs.delete),
    ("GET", "/os-keypairs", keypairs.index),
    ("POST", "/os-keypairs", keypairs.create),
    ("GET", "/os-keypairs/{keypair_name}", keypairs.show),
    ("DELETE", "/os-keypairs/{keypair_name}", keypairs.delete),
    ("GET", "/os-server-groups", server_groups.index),
    ("POST", "/os-server-groups", server_groups.create),
    ("GET", "/os-server-groups/{server_group_id}", server_groups.show),
    ("DELETE", "/os-server-groups/{server_group_id}", server_groups.delete),
    ("GET", "/servers", servers.index),
    ("POST", "/servers", servers.create),
    ("GET", "/servers/detail", servers.detail),
    ("GET", "/servers/{server_id}", servers.show),
    ("PUT", "/servers/{server_id}", servers.update),
    ("DELETE", "/servers/{server_id}", servers.delete),
    ("POST", "/servers/{server_id}/action", server_actions.action),
    ("GET", "/servers/{server_id}/os-instance-actions", instance_actions.index),
    ("GET", "/servers/{server_id}/os-instance-actions/{request_id}", instance_actions.show),
)


def build_routes(
    deps: ApiDeps, table: Sequence[tuple[str, str, Handler]] = ROUTES
) -> list[BaseRoute]:
    """Starlette routes for ``table``, each handler wrapped by :func:`endpoint`."""
    return [
        Route(path, endpoint(handler, deps), methods=[method]) for method, path, handler in table
    ]


def collections(table: Sequence[tuple[str, str, Handler]] = ROUTES) -> frozenset[str]:
    """The first path segments of ``table`` (``flavors``, ``os-keypairs``, ...)."""
    return frozenset(path.lstrip("/").split("/", 1)[0] for _, path, _ in table) - {""}

"""``/flavors``: list, show, create, update (2.55) and delete flavors."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.responses import Response

from novalite.api import policies
from novalite.api.common import last, limit_and_marker, strbool
from novalite.api.schemas import handler_schema
from novalite.api.views import flavors as views
from novalite.api.wsgi import Call, empty_response, json_response, next_link
from novalite.api_common.microversion import Version, versioned
from novalite.db.repositories.flavors import FlavorFilters, FlavorRepository
from novalite.domain.flavor import Flavor
from novalite.errors import RequestInvalid

_MODULE = "flavors"
_SORT_KEYS = frozenset(
    {
        "created_at", "description", "disabled", "ephemeral_gb", "flavorid", "id",
        "is_public", "memory_mb", "name", "root_gb", "rxtx_factor", "swap",
        "updated_at", "vcpu_weight", "vcpus",
    }
)  # fmt: skip


def _schema(handler: str, kind: str, version: Version) -> dict[str, Any] | None:
    return handler_schema(_MODULE, f"FlavorsController.{handler}", kind, version)


def _repo(call: Call) -> FlavorRepository:
    return FlavorRepository(call.deps.db)


def _sees_extra_specs(call: Call) -> bool:
    return call.version >= (2, 61) and call.allowed(policies.EXTRA_SPECS % "index")


def _int_filter(params: dict[str, list[str]], name: str) -> int | None:
    raw = last(params, name)
    if raw is None:
        return None
    try:
        return max(-(2**31), min(int(raw), 2**31 - 1))  # the columns' range: no overflow
    except ValueError:
        raise RequestInvalid(f"Invalid {name} filter [{raw}]") from None


def _filters(call: Call, params: dict[str, list[str]]) -> FlavorFilters:
    is_public: bool | None = True
    if call.context.is_admin:
        raw = last(params, "is_public")
        if raw is not None:
            is_public = None if raw.lower() == "none" else strbool(raw)
            if is_public is None and raw.lower() != "none":
                raise RequestInvalid(f"Invalid is_public filter [{raw}]")
    return FlavorFilters(
        is_public=is_public,
        project_id=call.context.project_id,
        min_memory_mb=_int_filter(params, "minRam"),
        min_root_gb=_int_filter(params, "minDisk"),
        name=last(params, "name") if call.version >= (2, 102) else None,
    )


async def _list(call: Call, handler: str) -> tuple[list[Flavor], int]:
    params = call.query(_schema(handler, "query", call.version))
    limit, marker = limit_and_marker(call, params)
    sort_key = last(params, "sort_key") or "flavorid"
    sort_dir = last(params, "sort_dir") or "asc"
    if sort_key not in _SORT_KEYS:
        raise RequestInvalid("Sort key supplied was not valid.")
    if sort_dir not in ("asc", "desc"):
        raise RequestInvalid("Unknown sort direction, must be 'desc' or 'asc'")
    flavors = await _repo(call).list(
        _filters(call, params), sort_key=sort_key, sort_dir=sort_dir, limit=limit, marker=marker
    )
    return flavors, limit


def _paged(call: Call, body: dict[str, Any], flavors: list[Flavor], limit: int, path: str) -> None:
    if flavors and len(flavors) >= limit:
        body["flavors_links"] = next_link(call, path, flavors[-1].flavorid)


async def index(call: Call) -> Response:
    """``GET /flavors``: the flavors the caller may use (id, name, links)."""
    flavors, limit = await _list(call, "index")
    body: dict[str, Any] = {"flavors": [views.basic(call, f) for f in flavors]}
    _paged(call, body, flavors, limit, "flavors")
    return json_response(body)


async def detail(call: Call) -> Response:
    """``GET /flavors/detail``: the same list with every field."""
    flavors, limit = await _list(call, "detail")
    specs = _sees_extra_specs(call)
    body: dict[str, Any] = {"flavors": [views.detail(call, f, extra_specs=specs) for f in flavors]}
    _paged(call, body, flavors, limit, "flavors/detail")
    return json_response(body)


async def show(call: Call) -> Response:
    """``GET /flavors/{flavor_id}``."""
    call.query(_schema("show", "query", call.version))
    flavor = await _repo(call).get(call.param("flavor_id"))
    return json_response(
        {"flavor": views.detail(call, flavor, extra_specs=_sees_extra_specs(call))}
    )


#: nova's bounds of a flavor's sizes (``nova.compute.flavors.create``).
_DB_MAX_INT = 2**31 - 1
_MINIMUM = {"memory_mb": 1, "vcpus": 1, "root_gb": 0, "ephemeral_gb": 0, "swap": 0}


def _int(value: Any, name: str) -> int:
    """A size from the body (the schema lets digit strings through), in nova's bounds."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise RequestInvalid(f"Invalid input received: {name} must be an integer") from None
    if number < _MINIMUM[name]:
        raise RequestInvalid(f"Invalid input received: {name} must be >= {_MINIMUM[name]}")
    if number > _DB_MAX_INT:
        raise RequestInvalid(f"Invalid input received: {name} must be <= {_DB_MAX_INT}")
    return number


async def create(call: Call) -> Response:
    """``POST /flavors`` (admin)."""
    call.authorize(policies.FLAVOR_MANAGE % "create", {})
    body = await call.body(_schema("create", "request_body", call.version))
    spec = body["flavor"]
    flavorid = spec.get("id")
    if flavorid is None or str(flavorid).strip() == "":
        flavorid = str(uuid.uuid4())
    public = strbool(spec.get("os-flavor-access:is_public", True))
    flavor = Flavor(
        flavorid=str(flavorid).strip(),
        name=spec["name"].strip(),
        memory_mb=_int(spec["ram"], "memory_mb"),
        vcpus=_int(spec["vcpus"], "vcpus"),
        root_gb=_int(spec["disk"], "root_gb"),
        ephemeral_gb=_int(spec.get("OS-FLV-EXT-DATA:ephemeral", 0), "ephemeral_gb"),
        swap=_int(spec.get("swap", 0), "swap"),
        rxtx_factor=float(spec.get("rxtx_factor", 1.0)),
        is_public=True if public is None else public,
        description=spec.get("description"),
    )
    stored = await _repo(call).create(flavor)
    return json_response(
        {"flavor": views.detail(call, stored, extra_specs=_sees_extra_specs(call))}
    )


@versioned((2, 55))
async def update(call: Call) -> Response:
    """``PUT /flavors/{flavor_id}`` (2.55, admin): change the description."""
    call.authorize(policies.FLAVOR_MANAGE % "update", {})
    body = await call.body(_schema("update", "request_body", call.version))
    flavor = await _repo(call).update_description(
        call.param("flavor_id"), body["flavor"]["description"]
    )
    return json_response(
        {"flavor": views.detail(call, flavor, extra_specs=_sees_extra_specs(call))}
    )


async def delete(call: Call) -> Response:
    """``DELETE /flavors/{flavor_id}`` (admin)."""
    call.authorize(policies.FLAVOR_MANAGE % "delete", {})
    await _repo(call).destroy(call.param("flavor_id"))
    return empty_response(202)

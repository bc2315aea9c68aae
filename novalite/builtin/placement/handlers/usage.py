"""``GET /resource_providers/{uuid}/usages`` and ``GET /usages`` (1.9)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from novalite.api_common.microversion import versioned
from novalite.builtin.placement.db import providers, usages
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, json_response


async def list_usages(req: PlacementRequest) -> Response:
    """Usage of each class a provider has inventory of."""
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        found = await usages.of_provider(session, provider.id)
    body = {"resource_provider_generation": provider.generation, "usages": found}
    return json_response(req, body)


@versioned((1, 9))
async def get_total_usages(req: PlacementRequest) -> Response:
    """Usage of a project (and user); grouped by consumer type from 1.38."""
    by_type = req.version >= (1, 38)
    name = "GET_USAGES_SCHEMA_V1_38" if by_type else "GET_USAGES_SCHEMA_1_9"
    params = req.query(schema("usage", name))
    async with req.db.reader() as session:
        found = await usages.of_project(
            session,
            params["project_id"],
            params.get("user_id"),
            by_type=by_type,
            consumer_type=params.get("consumer_type"),
        )
    body: dict[str, Any] = {"usages": found if by_type else found.get("", {})}
    return json_response(req, body)

"""``/resource_providers/{uuid}/aggregates`` (1.1; generations from 1.19)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from novalite.api_common.microversion import versioned
from novalite.builtin.placement.db import aggregates, providers
from novalite.builtin.placement.db.models import ResourceProvider
from novalite.builtin.placement.errors import ConcurrentUpdate
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, json_response


def _body(req: PlacementRequest, provider: ResourceProvider, uuids: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {"aggregates": uuids}
    if req.version >= (1, 19):
        body["resource_provider_generation"] = provider.generation
    return body


@versioned((1, 1))
async def get_aggregates(req: PlacementRequest) -> Response:
    """The provider's aggregate uuids."""
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        uuids = await aggregates.of_provider(session, provider.id)
    return json_response(req, _body(req, provider, uuids), last_modified=provider.updated_at)


@versioned((1, 1))
async def set_aggregates(req: PlacementRequest) -> Response:
    """Replace the provider's aggregates (bare list <1.19, generation-checked dict 1.19)."""
    if req.version >= (1, 19):
        data = await req.json(schema("aggregate", "PUT_AGGREGATES_SCHEMA_V1_19"))
        uuids: list[str] = data["aggregates"]
        generation: int | None = data["resource_provider_generation"]
    else:
        uuids = await req.json(schema("aggregate", "PUT_AGGREGATES_SCHEMA_V1_1"))
        generation = None
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        if generation is not None and generation != provider.generation:
            raise ConcurrentUpdate(
                "Resource provider's generation already changed. Please update the generation "
                "and try again."
            )
        await aggregates.replace_for_provider(session, provider.id, uuids)
        if generation is not None:
            await providers.bump_generation(session, provider, generation)
        current = await aggregates.of_provider(session, provider.id)
    return json_response(req, _body(req, provider, current), last_modified=provider.updated_at)

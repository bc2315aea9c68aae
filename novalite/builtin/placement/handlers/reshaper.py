"""``POST /reshaper`` (1.30): move inventories and allocations between providers atomically."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from starlette.responses import Response

from novalite.api_common.microversion import Version, versioned
from novalite.builtin.placement.db import allocations, inventories, providers
from novalite.builtin.placement.db.inventories import InventoryData
from novalite.builtin.placement.db.models import Allocation
from novalite.builtin.placement.errors import ConcurrentUpdate, ProviderNotFound
from novalite.builtin.placement.handlers.allocation import consumer_request
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, empty_response, normalize_uuid
from novalite.errors import DBDuplicateEntry


def _schema(version: Version) -> dict[str, Any]:
    if version >= (1, 38):
        return schema("reshaper", "POST_RESHAPER_SCHEMA_V1_38")
    if version >= (1, 34):
        return schema("reshaper", "POST_RESHAPER_SCHEMA_V1_34")
    return schema("reshaper", "POST_RESHAPER_SCHEMA")


@versioned((1, 30))
async def reshape(req: PlacementRequest) -> Response:
    """Replace the inventories of some providers and the allocations of some consumers."""
    data = await req.json(_schema(req.version))
    requests = [
        consumer_request(normalize_uuid(uuid, "consumer uuid"), body, req.version)
        for uuid, body in data["allocations"].items()
    ]
    try:
        async with req.db.writer() as session:
            await session.execute(
                delete(Allocation).where(
                    Allocation.consumer_id.in_([r.consumer_uuid for r in requests])
                )
            )
            for uuid, item in sorted(data["inventories"].items()):
                provider = await providers.get_by_uuid(session, normalize_uuid(uuid))
                if provider is None:
                    raise ProviderNotFound(f"Resource provider '{uuid}' in inventories not found.")
                generation = item["resource_provider_generation"]
                if generation != provider.generation:
                    raise ConcurrentUpdate(
                        f"resource provider generation conflict: {uuid} changed meanwhile"
                    )
                records = {
                    name: InventoryData.from_body(rec) for name, rec in item["inventories"].items()
                }
                await inventories.replace(session, provider, records, reserved_may_equal_total=True)
                await providers.bump_generation(session, provider, generation)
            await allocations.replace(session, requests)
    except DBDuplicateEntry:
        raise ConcurrentUpdate("consumer generation conflict during reshape") from None
    return empty_response()

"""``/resource_providers/{uuid}/inventories`` and ``.../inventories/{resource_class}``."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from novalite.api_common.microversion import versioned
from novalite.builtin.placement.db import inventories, providers
from novalite.builtin.placement.db.inventories import InventoryData
from novalite.builtin.placement.db.models import ResourceProvider
from novalite.builtin.placement.errors import BadRequest, ConcurrentUpdate, Conflict, NotFound
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, empty_response, json_response


def _body(provider: ResourceProvider, records: dict[str, InventoryData]) -> dict[str, Any]:
    return {
        "resource_provider_generation": provider.generation,
        "inventories": {name: data.as_dict() for name, data in sorted(records.items())},
    }


def _record(provider: ResourceProvider, data: InventoryData) -> dict[str, Any]:
    return {"resource_provider_generation": provider.generation, **data.as_dict()}


async def _write(
    req: PlacementRequest,
    session: AsyncSession,
    provider: ResourceProvider,
    records: dict[str, InventoryData],
    generation: int,
) -> None:
    if generation != provider.generation:
        raise_conflict(provider)
    await inventories.replace(
        session, provider, records, reserved_may_equal_total=req.version >= (1, 26)
    )
    await providers.bump_generation(session, provider, generation)


def raise_conflict(provider: ResourceProvider) -> None:
    """409 ``placement.concurrent_update`` for a stale provider generation."""
    raise ConcurrentUpdate(
        "resource provider generation conflict: "
        f"{provider.uuid} has a different generation than the one given"
    )


async def get_inventories(req: PlacementRequest) -> Response:
    """Every inventory of a provider."""
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        records = await inventories.of_provider(session, provider.id)
    return json_response(req, _body(provider, records), last_modified=provider.updated_at)


async def set_inventories(req: PlacementRequest) -> Response:
    """Replace all inventories (generation checked)."""
    data = await req.json(schema("inventory", "PUT_INVENTORY_SCHEMA"))
    records = {name: InventoryData.from_body(rec) for name, rec in data["inventories"].items()}
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        await _write(req, session, provider, records, data["resource_provider_generation"])
        body = _body(provider, await inventories.of_provider(session, provider.id))
    return json_response(req, body, last_modified=provider.updated_at)


@versioned((1, 5))
async def delete_inventories(req: PlacementRequest) -> Response:
    """Remove every inventory (1.5); 409 if some are allocated."""
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        await _write(req, session, provider, {}, provider.generation)
    return empty_response()


async def create_inventory(req: PlacementRequest) -> Response:
    """Add one inventory; 409 if the class already has one."""
    data = await req.json(schema("inventory", "POST_INVENTORY_SCHEMA"))
    name = data["resource_class"]
    record = InventoryData.from_body(data)
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        records = await inventories.of_provider(session, provider.id)
        if name in records:
            raise Conflict(
                f"Update conflict: Inventory for '{name}' on resource provider "
                f"'{provider.uuid}' already exists."
            )
        await _write(
            req,
            session,
            provider,
            {**records, name: record},
            data.get("resource_provider_generation", provider.generation),
        )
    location = {"Location": str(req.http.url.replace(path=f"{req.http.url.path}/{name}", query=""))}
    return json_response(req, _record(provider, record), status=201, headers=location)


async def get_inventory(req: PlacementRequest) -> Response:
    """One inventory."""
    name = req.param("resource_class")
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        records = await inventories.of_provider(session, provider.id)
    if name not in records:
        raise NotFound(f"No inventory of class {name} for {provider.uuid}")
    return json_response(req, _record(provider, records[name]), last_modified=provider.updated_at)


async def update_inventory(req: PlacementRequest) -> Response:
    """Change one inventory (generation checked)."""
    data = await req.json(schema("inventory", "BASE_INVENTORY_SCHEMA"))
    name = req.param("resource_class")
    record = InventoryData.from_body(data)
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        records = await inventories.of_provider(session, provider.id)
        if name not in records:
            raise BadRequest(
                f"No inventory record with resource class for resource provider {provider.uuid}"
            )
        await _write(
            req, session, provider, {**records, name: record}, data["resource_provider_generation"]
        )
    return json_response(req, _record(provider, record), last_modified=provider.updated_at)


async def delete_inventory(req: PlacementRequest) -> Response:
    """Remove one inventory; 409 ``placement.inventory.inuse`` if allocated."""
    name = req.param("resource_class")
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        records = await inventories.of_provider(session, provider.id)
        if name not in records:
            raise NotFound(f"No inventory of class {name} found for delete")
        del records[name]
        await _write(req, session, provider, records, provider.generation)
    return empty_response()

"""``/allocations/{consumer_uuid}``, ``POST /allocations`` (1.13), provider allocations."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from starlette.responses import Response

from novalite.api_common.microversion import Version, versioned
from novalite.builtin.placement.db import allocations, consumers, providers
from novalite.builtin.placement.db.allocations import ConsumerRequest
from novalite.builtin.placement.errors import (
    ConcurrentUpdate,
    NotFound,
    ProviderGenerationConflict,
)
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import (
    PlacementRequest,
    empty_response,
    json_response,
    normalize_uuid,
)
from novalite.errors import DBDeadlock, DBDuplicateEntry

#: Owner of allocations written without project/user (before 1.8), as upstream's default.
INCOMPLETE_CONSUMER_ID = "00000000-0000-0000-0000-000000000000"
#: Re-runs of an allocation write whose providers changed meanwhile (upstream's default).
ALLOCATION_CONFLICT_RETRIES = 10


def _put_schema(version: Version) -> dict[str, Any]:
    for floor, name in (
        ((1, 38), "ALLOCATION_SCHEMA_V1_38"),
        ((1, 34), "ALLOCATION_SCHEMA_V1_34"),
        ((1, 28), "ALLOCATION_SCHEMA_V1_28"),
        ((1, 12), "ALLOCATION_SCHEMA_V1_12"),
        ((1, 8), "ALLOCATION_SCHEMA_V1_8"),
    ):
        if version >= floor:
            return schema("allocation", name)
    return schema("allocation", "ALLOCATION_SCHEMA")


def _post_schema(version: Version) -> dict[str, Any]:
    for floor, name in (
        ((1, 38), "POST_ALLOCATIONS_V1_38"),
        ((1, 34), "POST_ALLOCATIONS_V1_34"),
        ((1, 28), "POST_ALLOCATIONS_V1_28"),
    ):
        if version >= floor:
            return schema("allocation", name)
    return schema("allocation", "POST_ALLOCATIONS_V1_13")


def consumer_request(consumer_uuid: str, data: dict[str, Any], version: Version) -> ConsumerRequest:
    """A body (dict form, or list form before 1.12) as a :class:`ConsumerRequest`."""
    raw = data["allocations"]
    if isinstance(raw, list):
        wanted: dict[str, dict[str, int]] = {}
        for item in raw:
            uuid = normalize_uuid(item["resource_provider"]["uuid"])
            wanted.setdefault(uuid, {}).update(item["resources"])
    else:
        wanted = {normalize_uuid(uuid): dict(item["resources"]) for uuid, item in raw.items()}
    return ConsumerRequest(
        consumer_uuid=consumer_uuid,
        project_id=data.get("project_id", INCOMPLETE_CONSUMER_ID),
        user_id=data.get("user_id", INCOMPLETE_CONSUMER_ID),
        allocations=wanted,
        consumer_generation=data.get("consumer_generation"),
        check_generation=version >= (1, 28),
        consumer_type=data.get("consumer_type"),
    )


async def _write(req: PlacementRequest, requests: list[ConsumerRequest]) -> None:
    """Write in one retried transaction, re-run when something changed meanwhile (as upstream).

    Re-run on a provider generation race and on a duplicate row (a concurrent request
    created the same consumer, project or user: the re-run sees it and checks the
    consumer generation against it).
    """
    for attempt in range(ALLOCATION_CONFLICT_RETRIES + 1):
        last = attempt == ALLOCATION_CONFLICT_RETRIES
        try:
            await req.db.write(allocations.replace, requests)
            return
        except ProviderGenerationConflict:
            if last:
                raise
        except DBDuplicateEntry:
            if last:
                raise ConcurrentUpdate(
                    "consumer generation conflict - the consumer was created by another request"
                ) from None
        except DBDeadlock:
            raise ConcurrentUpdate("allocation write conflict - please retry") from None
        await asyncio.sleep(random.uniform(0, 0.01 * (attempt + 1)))


async def set_allocations_for_consumer(req: PlacementRequest) -> Response:
    """``PUT /allocations/{consumer_uuid}``: replace that consumer's allocations."""
    consumer_uuid = normalize_uuid(req.param("consumer_uuid"), "consumer uuid")
    data = await req.json(_put_schema(req.version))
    await _write(req, [consumer_request(consumer_uuid, data, req.version)])
    return empty_response()


@versioned((1, 13))
async def set_allocations(req: PlacementRequest) -> Response:
    """``POST /allocations``: several consumers atomically (empty allocations delete)."""
    data = await req.json(_post_schema(req.version))
    requests = [
        consumer_request(normalize_uuid(uuid, "consumer uuid"), body, req.version)
        for uuid, body in data.items()
    ]
    await _write(req, requests)
    return empty_response()


async def list_for_consumer(req: PlacementRequest) -> Response:
    """``GET /allocations/{consumer_uuid}`` (empty for an unknown consumer)."""
    consumer_uuid = req.param("consumer_uuid")
    async with req.db.reader() as session:
        found = await allocations.of_consumer(session, consumer_uuid)
        consumer = await consumers.get(session, consumer_uuid)
        described = await consumers.describe(session, consumer) if consumer else None
    body: dict[str, Any] = {
        "allocations": {
            uuid: {"generation": generation, "resources": resources}
            for uuid, (generation, resources) in sorted(found.items())
        }
    }
    if found and consumer is not None and described is not None:
        project, user, consumer_type = described
        if req.version >= (1, 12):
            body["project_id"] = project
            body["user_id"] = user
        if req.version >= (1, 28):
            body["consumer_generation"] = consumer.generation
        if req.version >= (1, 38):
            body["consumer_type"] = consumer_type or "unknown"
    stamp = consumer.updated_at if consumer is not None else None
    return json_response(req, body, last_modified=stamp)


async def delete_allocations(req: PlacementRequest) -> Response:
    """``DELETE /allocations/{consumer_uuid}``: 404 if it has none."""
    consumer_uuid = req.param("consumer_uuid")
    async with req.db.writer() as session:
        deleted = await allocations.delete_consumer(session, consumer_uuid)
    if not deleted:
        raise NotFound(f"No allocations for consumer '{consumer_uuid}'")
    return empty_response()


async def list_for_resource_provider(req: PlacementRequest) -> Response:
    """``GET /resource_providers/{uuid}/allocations``."""
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        found = await allocations.of_provider(session, provider.id)
    body = {
        "resource_provider_generation": provider.generation,
        "allocations": {consumer: {"resources": res} for consumer, res in sorted(found.items())},
    }
    return json_response(req, body, last_modified=provider.updated_at)

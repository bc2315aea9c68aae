"""``/resource_providers`` and ``/resource_providers/{uuid}``."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.responses import Response

from novalite.api_common.microversion import Version
from novalite.api_common.validation import validate
from novalite.builtin.placement import filters
from novalite.builtin.placement.db import providers
from novalite.builtin.placement.db.models import ResourceProvider
from novalite.builtin.placement.errors import DuplicateName
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, empty_response, json_response, latest
from novalite.errors import DBDuplicateEntry


def provider_links(req: PlacementRequest, uuid: str) -> list[dict[str, str]]:
    """The links of a provider at the request's version."""
    base = f"{req.prefix}/resource_providers/{uuid}"
    links = [{"rel": "self", "href": base}]
    names = ["inventories", "usages"]
    if req.version >= (1, 1):
        names.insert(0, "aggregates")
    if req.version >= (1, 6):
        names.append("traits")
    if req.version >= (1, 11):
        names.append("allocations")
    links += [{"rel": name, "href": f"{base}/{name}"} for name in names]
    return links


async def serialize(
    req: PlacementRequest, session: AsyncSession, provider: ResourceProvider
) -> dict[str, Any]:
    """A provider's body at the request's version."""
    body: dict[str, Any] = {
        "uuid": provider.uuid,
        "name": provider.name,
        "generation": provider.generation,
        "links": provider_links(req, provider.uuid),
    }
    if req.version >= (1, 14):
        ids = {i for i in (provider.parent_provider_id, provider.root_provider_id) if i is not None}
        uuids = await providers.uuids_by_id(session, ids)
        parent = provider.parent_provider_id
        body["parent_provider_uuid"] = uuids.get(parent) if parent is not None else None
        body["root_provider_uuid"] = uuids.get(
            provider.root_provider_id or provider.id, provider.uuid
        )
    return body


def _get_schema(version: Version) -> dict[str, Any]:
    for floor, name in (
        ((1, 18), "GET_RPS_SCHEMA_1_18"),
        ((1, 14), "GET_RPS_SCHEMA_1_14"),
        ((1, 4), "GET_RPS_SCHEMA_1_4"),
        ((1, 3), "GET_RPS_SCHEMA_1_3"),
    ):
        if version >= floor:
            return schema("resource_provider", name)
    return schema("resource_provider", "GET_RPS_SCHEMA_1_0")


async def list_resource_providers(req: PlacementRequest) -> Response:
    """``GET /resource_providers`` with its filters."""
    repeatable = frozenset({"member_of", "required"})
    params = req.query(None, repeatable)
    checked = {k: (v[-1] if isinstance(v, list) else v) for k, v in params.items()}
    req_schema = _get_schema(req.version)
    validate(checked, req_schema, what="query")
    async with req.db.reader() as session:
        kwargs: dict[str, Any] = {
            "name": params.get("name"),
            "uuid": params.get("uuid"),
            "in_tree": params.get("in_tree"),
        }
        if "member_of" in params:
            kwargs["member_of"] = filters.member_of(params["member_of"], req.version)
        if "required" in params:
            kwargs["traits"] = await filters.required(session, params["required"], req.version)
        if "resources" in params:
            kwargs["resources"] = await filters.resources(session, params["resources"])
        found = await providers.list_providers(session, **kwargs)
        bodies = [await serialize(req, session, provider) for provider in found]
        stamp = latest(*(p.updated_at or p.created_at for p in found))
    return json_response(req, {"resource_providers": bodies}, last_modified=stamp)


async def get_resource_provider(req: PlacementRequest) -> Response:
    """``GET /resource_providers/{uuid}``."""
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        body = await serialize(req, session, provider)
    return json_response(req, body, last_modified=provider.updated_at or provider.created_at)


async def create_resource_provider(req: PlacementRequest) -> Response:
    """``POST /resource_providers``: 201 + Location (<1.20) or 200 + body (1.20)."""
    name = "POST_RP_SCHEMA_V1_14" if req.version >= (1, 14) else "POST_RESOURCE_PROVIDER_SCHEMA"
    data = await req.json(schema("resource_provider", name))
    uuid = str(uuidlib.UUID(data["uuid"])) if data.get("uuid") else str(uuidlib.uuid4())
    parent = data.get("parent_provider_uuid")
    try:
        async with req.db.writer() as session:
            provider = await providers.create(session, uuid, data["name"], parent)
            body = await serialize(req, session, provider)
    except DBDuplicateEntry:
        raise DuplicateName(
            f"Conflicting resource provider name: {data['name']} already exists."
        ) from None
    location = req.location(f"/resource_providers/{uuid}")
    if req.version >= (1, 20):
        return json_response(req, body, headers=location, last_modified=provider.created_at)
    return empty_response(201, headers=location)


async def update_resource_provider(req: PlacementRequest) -> Response:
    """``PUT /resource_providers/{uuid}``: name and (1.14) parent."""
    name = "PUT_RP_SCHEMA_V1_14" if req.version >= (1, 14) else "PUT_RESOURCE_PROVIDER_SCHEMA"
    data = await req.json(schema("resource_provider", name))
    try:
        async with req.db.writer() as session:
            provider = await providers.require(session, req.param("uuid"))
            await providers.update_provider(
                session,
                provider,
                data["name"],
                data.get("parent_provider_uuid"),
                parent_given="parent_provider_uuid" in data,
                allow_reparent=req.version >= (1, 37),
            )
            body = await serialize(req, session, provider)
    except DBDuplicateEntry:
        raise DuplicateName(
            f"Conflicting resource provider name: {data['name']} already exists."
        ) from None
    return json_response(req, body, last_modified=provider.updated_at)


async def delete_resource_provider(req: PlacementRequest) -> Response:
    """``DELETE /resource_providers/{uuid}``: 409 with allocations or children."""
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        await providers.delete_provider(session, provider)
    return empty_response()

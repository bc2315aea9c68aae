"""``/traits`` and ``/resource_providers/{uuid}/traits`` (1.6)."""

from __future__ import annotations

import re

from starlette.responses import Response

from novalite.api_common.microversion import versioned
from novalite.builtin.placement.db import providers, traits
from novalite.builtin.placement.errors import BadRequest, ConcurrentUpdate, NotFound
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, empty_response, json_response

_CUSTOM = re.compile(r"^CUSTOM_[A-Z0-9_]+$")


@versioned((1, 6))
async def list_traits(req: PlacementRequest) -> Response:
    """``GET /traits`` with ``name=in:A,B`` / ``name=startswith:X`` and ``associated``."""
    params = req.query(schema("trait", "LIST_TRAIT_SCHEMA"))
    names: list[str] | None = None
    prefix: str | None = None
    name = params.get("name")
    if name is not None:
        if name.startswith("in:"):
            names = [item for item in name[3:].split(",") if item]
        elif name.startswith("startswith:"):
            prefix = name[len("startswith:") :]
        else:
            raise BadRequest(
                f"Badly formatted name parameter. Expected name query string parameter in form: "
                f'?name=[in|startswith]:[name1,name2|prefix]. Got: "{name}"'
            )
    associated: bool | None = None
    if "associated" in params:
        value = params["associated"].lower()
        if value not in ("true", "false"):
            raise BadRequest('The query parameter "associated" only accepts "true" or "false"')
        associated = value == "true"
    async with req.db.reader() as session:
        found = await traits.list_traits(session, names=names, prefix=prefix, associated=associated)
    return json_response(req, {"traits": found})


@versioned((1, 6))
async def get_trait(req: PlacementRequest) -> Response:
    """204 if the trait exists, 404 otherwise."""
    name = req.param("name")
    async with req.db.reader() as session:
        row = await traits.get(session, name)
    if row is None:
        raise NotFound(f"No such trait(s): {name}")
    response = empty_response(204)
    return response


@versioned((1, 6))
async def put_trait(req: PlacementRequest) -> Response:
    """Create a custom trait: 201 created, 204 existed."""
    name = req.param("name")
    if not _CUSTOM.match(name) or len(name) > 255:
        raise BadRequest(
            "The trait is invalid. A valid trait must be no longer than 255 characters, start "
            'with the prefix "CUSTOM_" and use following characters: "A"-"Z", "0"-"9" and "_"'
        )
    async with req.db.writer() as session:
        created = await traits.ensure(session, name)
    if not created:
        return empty_response(204)
    return empty_response(201, headers=req.location(f"/traits/{name}"))


@versioned((1, 6))
async def delete_trait(req: PlacementRequest) -> Response:
    """Delete a custom trait: 400 standard, 404 unknown, 409 associated."""
    async with req.db.writer() as session:
        await traits.delete_trait(session, req.param("name"))
    return empty_response()


@versioned((1, 6))
async def list_traits_for_resource_provider(req: PlacementRequest) -> Response:
    """A provider's traits with its generation."""
    async with req.db.reader() as session:
        provider = await providers.require(session, req.param("uuid"))
        names = await traits.of_provider(session, provider.id)
    body = {"traits": names, "resource_provider_generation": provider.generation}
    return json_response(req, body, last_modified=provider.updated_at)


@versioned((1, 6))
async def update_traits_for_resource_provider(req: PlacementRequest) -> Response:
    """Replace a provider's traits (generation checked); 400 for unknown traits."""
    data = await req.json(schema("trait", "SET_TRAITS_FOR_RP_SCHEMA"))
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        generation = data["resource_provider_generation"]
        if generation != provider.generation:
            raise ConcurrentUpdate(
                "Resource provider's generation already changed. Please update the generation "
                "and try again."
            )
        ids = await traits.require_ids(session, data["traits"])
        await traits.replace_for_provider(session, provider.id, list(ids.values()))
        await providers.bump_generation(session, provider, generation)
        names = await traits.of_provider(session, provider.id)
    body = {"traits": names, "resource_provider_generation": provider.generation}
    return json_response(req, body, last_modified=provider.updated_at)


@versioned((1, 6))
async def delete_traits_for_resource_provider(req: PlacementRequest) -> Response:
    """Remove every trait of a provider."""
    async with req.db.writer() as session:
        provider = await providers.require(session, req.param("uuid"))
        await traits.replace_for_provider(session, provider.id, [])
        await providers.bump_generation(session, provider, provider.generation)
    return empty_response()

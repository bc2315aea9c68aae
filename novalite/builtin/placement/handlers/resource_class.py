"""``/resource_classes`` (1.2): standard and custom resource classes."""

from __future__ import annotations

import re

from starlette.responses import Response

from novalite.api_common.microversion import versioned
from novalite.builtin.placement.db import resource_classes
from novalite.builtin.placement.errors import BadRequest, Conflict, NotFound
from novalite.builtin.placement.schemas import schema
from novalite.builtin.placement.util import PlacementRequest, empty_response, json_response, latest
from novalite.errors import DBDuplicateEntry

_CUSTOM = re.compile(r"^CUSTOM_[A-Z0-9_]+$")


def _body(req: PlacementRequest, name: str) -> dict[str, object]:
    href = f"{req.prefix}/resource_classes/{name}"
    return {"name": name, "links": [{"rel": "self", "href": href}]}


@versioned((1, 2))
async def list_resource_classes(req: PlacementRequest) -> Response:
    """Every class, standard first."""
    async with req.db.reader() as session:
        classes = await resource_classes.all_classes(session)
    body = {"resource_classes": [_body(req, name) for name, _ in classes]}
    return json_response(req, body, last_modified=latest(*(stamp for _, stamp in classes)))


@versioned((1, 2))
async def get_resource_class(req: PlacementRequest) -> Response:
    """One class; 404 if unknown."""
    name = req.param("name")
    async with req.db.reader() as session:
        if not await resource_classes.exists(session, name):
            raise NotFound(f"No such resource class {name}.")
        row = await resource_classes.get(session, name)
    stamp = (row.updated_at or row.created_at) if row is not None else None
    return json_response(req, _body(req, name), last_modified=stamp)


@versioned((1, 2))
async def create_resource_class(req: PlacementRequest) -> Response:
    """``POST``: add a custom class; 201 + Location, 409 if it exists."""
    data = await req.json(schema("resource_class", "POST_RC_SCHEMA_V1_2"))
    name = data["name"]
    try:
        async with req.db.writer() as session:
            await resource_classes.create(session, name)
    except DBDuplicateEntry:
        raise Conflict(f"Conflicting resource class already exists: {name}") from None
    return empty_response(201, headers=req.location(f"/resource_classes/{name}"))


@versioned((1, 2))
async def update_resource_class(req: PlacementRequest) -> Response:
    """``PUT``: rename (1.2-1.6) or create-or-verify without a body (1.7: 201/204)."""
    name = req.param("name")
    if req.version < (1, 7):
        data = await req.json(schema("resource_class", "PUT_RC_SCHEMA_V1_2"))
        async with req.db.writer() as session:
            await resource_classes.rename(session, name, data["name"])
        return json_response(req, _body(req, data["name"]))
    if not _CUSTOM.match(name) or len(name) > 255:
        raise BadRequest(f"JSON does not validate: '{name}' does not match '^CUSTOM_[A-Z0-9_]+$'")
    try:
        async with req.db.writer() as session:
            if await resource_classes.exists(session, name):
                created = False
            else:
                await resource_classes.create(session, name)
                created = True
    except DBDuplicateEntry:
        created = False
    if not created:
        return empty_response(204)
    return empty_response(201, headers=req.location(f"/resource_classes/{name}"))


@versioned((1, 2))
async def delete_resource_class(req: PlacementRequest) -> Response:
    """Remove a custom class: 400 standard, 409 in use."""
    async with req.db.writer() as session:
        await resource_classes.delete(session, req.param("name"))
    return empty_response()

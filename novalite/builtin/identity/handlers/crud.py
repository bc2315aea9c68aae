"""The create/list/show/update/delete routes every keystone collection shares.

Each collection is a :class:`Resource`: its table, names, schemas, view and
the hooks that carry its own rules (defaults, revocations on delete, ...).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novalite.builtin.identity import models as m
from novalite.builtin.identity import store
from novalite.builtin.identity.errors import ValidationError
from novalite.builtin.identity.provider import ValidatedToken
from novalite.builtin.identity.web import (
    IdentityService,
    authorize,
    caller_token,
    json_response,
    no_content,
    read_json,
    route,
    validate,
)

R = TypeVar("R", bound=m.IdentityBase)

Builder = Callable[[AsyncSession, dict[str, Any], ValidatedToken], Awaitable[R]]
Updater = Callable[[AsyncSession, R, dict[str, Any]], Awaitable[None]]
Deleter = Callable[[AsyncSession, R], Awaitable[None]]
View = Callable[[Request, R], dict[str, Any]]


async def _nothing(session: AsyncSession, row: Any, *args: Any) -> None:
    return None


def _parse_filter(name: str, value: str) -> Any:
    if name == "enabled":
        return value.lower() not in ("0", "false", "no", "off")
    return value


@dataclasses.dataclass(frozen=True)
class Resource(Generic[R]):
    """One keystone collection (``/v3/<collection>``)."""

    model: type[R]
    member: str
    collection: str
    create_schema: dict[str, Any]
    update_schema: dict[str, Any]
    view: View[R]
    build: Builder[R]
    filters: tuple[str, ...] = ()
    update: Updater[R] = _nothing
    before_delete: Deleter[R] = _nothing

    @functools.cached_property
    def create_body(self) -> dict[str, Any]:
        """Schema of a create request: ``{<member>: create_schema}``."""
        return _wrap(self.member, self.create_schema)

    @functools.cached_property
    def update_body(self) -> dict[str, Any]:
        """Schema of an update request: ``{<member>: update_schema}``."""
        return _wrap(self.member, self.update_schema)

    def target(self, row: R | None, entity_id: str) -> dict[str, Any]:
        """The policy target ``{<member>: {...}}`` of an entity."""
        attrs = {"id": entity_id}
        if row is not None:
            for name in ("domain_id", "user_id", "project_id"):
                if hasattr(row, name):
                    attrs[name] = getattr(row, name)
        return {self.member: attrs}

    async def index(self, svc: IdentityService, request: Request) -> Response:
        """``GET /v3/<collection>``."""
        await authorize(svc, request, f"identity:list_{self.collection}")
        filters = {
            name: _parse_filter(name, request.query_params[name])
            for name in self.filters
            if name in request.query_params
        }
        async with svc.db.reader() as session:
            rows = await store.list_rows(session, self.model, **filters)
        return json_response(
            {
                self.collection: [self.view(request, row) for row in rows],
                "links": _links(request),
            }
        )

    async def show(self, svc: IdentityService, request: Request) -> Response:
        """``GET /v3/<collection>/{id}``."""
        entity_id = request.path_params["entity_id"]
        caller = await caller_token(svc, request)
        async with svc.db.reader() as session:
            row = await store.get(session, self.model, entity_id)
        action = f"identity:get_{self.member}"
        await authorize(svc, request, action, self.target(row, entity_id), caller=caller)
        return json_response({self.member: self.view(request, row)})

    async def create(self, svc: IdentityService, request: Request) -> Response:
        """``POST /v3/<collection>``."""
        caller = await authorize(svc, request, f"identity:create_{self.member}")
        body = await read_json(svc, request)
        validate(body, self.create_body)
        async with svc.db.writer() as session:
            row = await self.build(session, body[self.member], caller)
            await store.add(session, row)
        return json_response({self.member: self.view(request, row)}, 201)

    async def patch(self, svc: IdentityService, request: Request) -> Response:
        """``PATCH /v3/<collection>/{id}``."""
        entity_id = request.path_params["entity_id"]
        await authorize(
            svc, request, f"identity:update_{self.member}", self.target(None, entity_id)
        )
        body = await read_json(svc, request)
        validate(body, self.update_body)
        changes = body[self.member]
        if "id" in changes and changes["id"] != entity_id:
            raise ValidationError(attribute="the same id", target=self.member)
        async with svc.db.writer() as session:
            row = await store.get(session, self.model, entity_id)
            await self.update(session, row, changes)
            await store.flush_update(session, row)
        return json_response({self.member: self.view(request, row)})

    async def delete(self, svc: IdentityService, request: Request) -> Response:
        """``DELETE /v3/<collection>/{id}``."""
        entity_id = request.path_params["entity_id"]
        await authorize(
            svc, request, f"identity:delete_{self.member}", self.target(None, entity_id)
        )
        async with svc.db.writer() as session:
            row = await store.get(session, self.model, entity_id)
            await self.before_delete(session, row)
            await store.remove(session, row)
        return no_content()

    def routes(self, svc: IdentityService) -> list[Route]:
        """The collection's and its members' routes."""
        base = f"/v3/{self.collection}"
        return [
            route(svc, base, self.index, ["GET"]),
            route(svc, base, self.create, ["POST"]),
            route(svc, base + "/{entity_id}", self.show, ["GET"]),
            route(svc, base + "/{entity_id}", self.patch, ["PATCH"]),
            route(svc, base + "/{entity_id}", self.delete, ["DELETE"]),
        ]


def _wrap(member: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": {member: schema}, "required": [member]}


def _links(request: Request) -> dict[str, Any]:
    return {"self": str(request.url), "previous": None, "next": None}


def set_attrs(row: object, changes: dict[str, Any], names: tuple[str, ...]) -> None:
    """Copy the ``names`` present in ``changes`` onto ``row``."""
    for name in names:
        if name in changes:
            setattr(row, name, changes[name] if changes[name] is not None else _none(row, name))


def _none(row: object, name: str) -> Any:
    return "" if name == "description" else None

"""Implied roles (role inference rules): ``/v3/roles/{id}/implies`` and ``/v3/role_inferences``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novalite.builtin.identity import models as m
from novalite.builtin.identity import store, views
from novalite.builtin.identity.errors import IdentityNotFound
from novalite.builtin.identity.web import (
    IdentityService,
    authorize,
    json_response,
    no_content,
    route,
)


async def list_implied(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/roles/{prior_id}/implies``."""
    await authorize(svc, request, "identity:list_implied_roles")
    prior_id = request.path_params["prior_id"]
    async with svc.db.reader() as session:
        prior = await store.get(session, m.Role, prior_id)
        query = select(m.Role).join(m.ImpliedRole, m.ImpliedRole.implied_role_id == m.Role.id)
        implied = (
            await session.scalars(query.where(m.ImpliedRole.prior_role_id == prior_id))
        ).all()
    return json_response(
        {
            "role_inference": {
                "prior_role": views.role_ref(request, prior),
                "implies": [views.role_ref(request, r) for r in implied],
            },
            "links": {"self": str(request.url)},
        }
    )


async def _pair(svc: IdentityService, request: Request) -> tuple[m.Role, m.Role]:
    async with svc.db.reader() as session:
        prior = await store.get(session, m.Role, request.path_params["prior_id"])
        implied = await store.get(session, m.Role, request.path_params["implied_id"])
    return prior, implied


def _inference(request: Request, prior: m.Role, implied: m.Role) -> dict[str, Any]:
    return {
        "role_inference": {
            "prior_role": views.role_ref(request, prior),
            "implies": views.role_ref(request, implied),
        },
        "links": {"self": str(request.url)},
    }


async def create_implied(svc: IdentityService, request: Request) -> Response:
    """``PUT /v3/roles/{prior_id}/implies/{implied_id}``."""
    await authorize(svc, request, "identity:create_implied_role")
    prior, implied = await _pair(svc, request)
    async with svc.db.writer() as session:
        if await session.get(m.ImpliedRole, (prior.id, implied.id)) is None:
            session.add(m.ImpliedRole(prior_role_id=prior.id, implied_role_id=implied.id))
    return json_response(_inference(request, prior, implied), 201)


async def check_implied(svc: IdentityService, request: Request) -> Response:
    """``GET``/``HEAD /v3/roles/{prior_id}/implies/{implied_id}``."""
    await authorize(svc, request, "identity:list_implied_roles")
    prior, implied = await _pair(svc, request)
    async with svc.db.reader() as session:
        if await session.get(m.ImpliedRole, (prior.id, implied.id)) is None:
            raise IdentityNotFound(kind="implied role", id=f"{prior.id} -> {implied.id}")
    return json_response(_inference(request, prior, implied))


async def delete_implied(svc: IdentityService, request: Request) -> Response:
    """``DELETE /v3/roles/{prior_id}/implies/{implied_id}``."""
    await authorize(svc, request, "identity:create_implied_role")
    prior, implied = await _pair(svc, request)
    async with svc.db.writer() as session:
        row = await session.get(m.ImpliedRole, (prior.id, implied.id))
        if row is None:
            raise IdentityNotFound(kind="implied role", id=f"{prior.id} -> {implied.id}")
        await session.delete(row)
    return no_content()


async def role_inferences(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/role_inferences``: every rule, grouped by prior role."""
    await authorize(svc, request, "identity:list_role_inference_rules")
    async with svc.db.reader() as session:
        by_id = {r.id: r for r in (await session.scalars(select(m.Role))).all()}
        rules = (await session.scalars(select(m.ImpliedRole))).all()
    grouped: dict[str, list[m.Role]] = {}
    for rule in rules:
        grouped.setdefault(rule.prior_role_id, []).append(by_id[rule.implied_role_id])
    body = [
        {
            "prior_role": views.role_ref(request, by_id[prior]),
            "implies": [views.role_ref(request, r) for r in implied],
        }
        for prior, implied in grouped.items()
    ]
    return json_response({"role_inferences": body, "links": {"self": str(request.url)}})


def routes(svc: IdentityService) -> list[Route]:
    """The implied-role routes."""
    member = "/v3/roles/{prior_id}/implies/{implied_id}"
    return [
        route(svc, "/v3/roles/{prior_id}/implies", list_implied, ["GET"]),
        route(svc, member, create_implied, ["PUT"]),
        route(svc, member, check_implied, ["GET", "HEAD"]),
        route(svc, member, delete_implied, ["DELETE"]),
        route(svc, "/v3/role_inferences", role_inferences, ["GET"]),
    ]

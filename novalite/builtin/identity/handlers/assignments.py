"""Role grants on projects, domains and the system; role assignment listing; implied roles."""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novalite.builtin.identity import models as m
from novalite.builtin.identity import revocation, roles, store, views
from novalite.builtin.identity.errors import IdentityNotFound
from novalite.builtin.identity.web import (
    IdentityService,
    authorize,
    flag,
    json_response,
    no_content,
    route,
)

_TARGET_MODELS: dict[str, type[m.Project] | type[m.Domain]] = {
    roles.PROJECT: m.Project,
    roles.DOMAIN: m.Domain,
}


def _target(request: Request, target_type: str) -> str:
    return roles.SYSTEM_ALL if target_type == roles.SYSTEM else request.path_params["target_id"]


async def _check_refs(
    session: AsyncSession, target_type: str, target_id: str, user_id: str, role_id: str | None
) -> None:
    model = _TARGET_MODELS.get(target_type)
    if model is not None:
        await store.get(session, model, target_id)
    await store.get(session, m.User, user_id)
    if role_id is not None:
        await store.get(session, m.Role, role_id)


def _no_assignment(role_id: str, user_id: str, target_id: str) -> IdentityNotFound:
    return IdentityNotFound(
        f"Could not find role assignment with role: {role_id}, user or group: {user_id}, "
        f"project, domain, or system: {target_id}."
    )


def _grant_target(target_type: str, target_id: str, user_id: str) -> dict[str, Any]:
    return {target_type: {"id": target_id}, "user": {"id": user_id}}


def grant_routes(svc: IdentityService, target_type: str) -> list[Route]:
    """Grant, check, revoke and list the roles of a user on a project, a domain or the system."""

    async def put(svc: IdentityService, request: Request) -> Response:
        """PUT: grant the role (idempotent)."""
        target_id, user_id = _target(request, target_type), request.path_params["user_id"]
        role_id = request.path_params["role_id"]
        await authorize(
            svc, request, "identity:create_grant", _grant_target(target_type, target_id, user_id)
        )
        async with svc.db.writer() as session:
            await _check_refs(session, target_type, target_id, user_id, role_id)
            key = (user_id, target_type, target_id, role_id)
            if await session.get(m.Assignment, key) is None:
                session.add(
                    m.Assignment(
                        user_id=user_id,
                        target_type=target_type,
                        target_id=target_id,
                        role_id=role_id,
                    )
                )
        return no_content()

    async def check(svc: IdentityService, request: Request) -> Response:
        """GET/HEAD: 204 if granted, else 404."""
        target_id, user_id = _target(request, target_type), request.path_params["user_id"]
        role_id = request.path_params["role_id"]
        await authorize(
            svc, request, "identity:check_grant", _grant_target(target_type, target_id, user_id)
        )
        async with svc.db.reader() as session:
            await _check_refs(session, target_type, target_id, user_id, role_id)
            found = await session.get(m.Assignment, (user_id, target_type, target_id, role_id))
        if found is None:
            raise _no_assignment(role_id, user_id, target_id)
        return no_content()

    async def revoke(svc: IdentityService, request: Request) -> Response:
        """DELETE: remove the grant and revoke the user's tokens there."""
        target_id, user_id = _target(request, target_type), request.path_params["user_id"]
        role_id = request.path_params["role_id"]
        await authorize(
            svc, request, "identity:revoke_grant", _grant_target(target_type, target_id, user_id)
        )
        async with svc.db.writer() as session:
            await _check_refs(session, target_type, target_id, user_id, role_id)
            found = await session.get(m.Assignment, (user_id, target_type, target_id, role_id))
            if found is None:
                raise _no_assignment(role_id, user_id, target_id)
            await session.delete(found)
            await revocation.revoke_user(
                session, user_id, target_id if target_type == roles.PROJECT else None
            )
        return no_content()

    async def list_grants(svc: IdentityService, request: Request) -> Response:
        """GET: the roles granted directly."""
        target_id, user_id = _target(request, target_type), request.path_params["user_id"]
        await authorize(
            svc, request, "identity:list_grants", _grant_target(target_type, target_id, user_id)
        )
        async with svc.db.reader() as session:
            await _check_refs(session, target_type, target_id, user_id, None)
            ids = await roles.direct_role_ids(session, user_id, target_type, target_id)
            rows = await roles.roles_by_ids(session, ids)
        return json_response(
            {
                "roles": [views.role(request, r) for r in rows],
                "links": views.collection_links(request),
            }
        )

    prefix = "/v3/system" if target_type == roles.SYSTEM else f"/v3/{target_type}s/{{target_id}}"
    member = prefix + "/users/{user_id}/roles/{role_id}"
    return [
        route(svc, member, put, ["PUT"]),
        route(svc, member, check, ["GET", "HEAD"]),
        route(svc, member, revoke, ["DELETE"]),
        route(svc, prefix + "/users/{user_id}/roles", list_grants, ["GET"]),
    ]


@dataclasses.dataclass(frozen=True, slots=True)
class _Names:
    users: dict[str, m.User]
    projects: dict[str, m.Project]
    domains: dict[str, m.Domain]
    roles: dict[str, m.Role]


async def _names(session: AsyncSession) -> _Names:
    return _Names(
        users={u.id: u for u in (await session.scalars(select(m.User))).all()},
        projects={p.id: p for p in (await session.scalars(select(m.Project))).all()},
        domains={d.id: d for d in (await session.scalars(select(m.Domain))).all()},
        roles={r.id: r for r in (await session.scalars(select(m.Role))).all()},
    )


async def list_role_assignments(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/role_assignments`` with keystone's filters."""
    await authorize(svc, request, "identity:list_role_assignments")
    query = request.query_params
    target_type = target_id = None
    for kind in (roles.PROJECT, roles.DOMAIN):
        if f"scope.{kind}.id" in query:
            target_type, target_id = kind, query[f"scope.{kind}.id"]
    if "scope.system" in query:
        target_type, target_id = roles.SYSTEM, roles.SYSTEM_ALL
    async with svc.db.reader() as session:
        rows = await roles.assignments(
            session, user_id=query.get("user.id"), target_type=target_type, target_id=target_id
        )
        if flag(request, "effective"):
            rows = await roles.effective_assignments(session, rows)
        if "role.id" in query:
            rows = [row for row in rows if row.role_id == query["role.id"]]
        names = await _names(session) if flag(request, "include_names") else None
    v3 = views.v3_url(request)
    body = []
    for row in rows:
        scope_key = (
            "system" if row.target_type == roles.SYSTEM else f"{row.target_type}s/{row.target_id}"
        )
        entry: dict[str, Any] = {
            "role": {"id": row.role_id},
            "user": {"id": row.user_id},
            "scope": {
                row.target_type: {"all": True}
                if row.target_type == roles.SYSTEM
                else {"id": row.target_id}
            },
            "links": {"assignment": f"{v3}/{scope_key}/users/{row.user_id}/roles/{row.role_id}"},
        }
        if names is not None:
            _add_names(entry, row, names)
        body.append(entry)
    return json_response({"role_assignments": body, "links": views.collection_links(request)})


def _add_names(entry: dict[str, Any], row: m.Assignment, names: _Names) -> None:
    def domain_ref(domain_id: str) -> dict[str, Any]:
        domain = names.domains.get(domain_id)
        return {"id": domain_id, "name": domain.name if domain else None}

    role = names.roles.get(row.role_id)
    entry["role"]["name"] = role.name if role else None
    user = names.users.get(row.user_id)
    if user is not None:
        entry["user"].update(name=user.name, domain=domain_ref(user.domain_id))
    project = names.projects.get(row.target_id)
    if row.target_type == roles.PROJECT and project is not None:
        entry["scope"]["project"].update(name=project.name, domain=domain_ref(project.domain_id))
    elif row.target_type == roles.DOMAIN:
        entry["scope"]["domain"] = domain_ref(row.target_id)


async def list_user_projects(svc: IdentityService, request: Request) -> Response:
    """``GET /v3/users/{user_id}/projects``: projects the user holds a role on."""
    user_id = request.path_params["user_id"]
    await authorize(svc, request, "identity:list_user_projects", {"user": {"id": user_id}})
    async with svc.db.reader() as session:
        await store.get(session, m.User, user_id)
        rows = await roles.assignments(session, user_id=user_id, target_type=roles.PROJECT)
        projects = [
            views.project(request, project)
            for project_id in sorted({row.target_id for row in rows})
            if (project := await store.find(session, m.Project, project_id)) is not None
        ]
    return json_response({"projects": projects, "links": views.collection_links(request)})

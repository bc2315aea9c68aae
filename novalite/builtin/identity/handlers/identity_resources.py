"""Domains, projects and users."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m
from novalite.builtin.identity import passwords, revocation, store, views
from novalite.builtin.identity.errors import Forbidden, ValidationError
from novalite.builtin.identity.handlers.crud import Resource, set_attrs
from novalite.builtin.identity.provider import ValidatedToken

DEFAULT_DOMAIN = "default"

_NAME = {"type": "string", "minLength": 1, "maxLength": 255}
_ID = {"type": ["string", "null"], "maxLength": 64}
_TEXT = {"type": ["string", "null"]}
_BOOL = {"type": "boolean"}


def _schema(required: bool, **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = ["name"]
    else:
        schema["minProperties"] = 1
    return schema


_DOMAIN_PROPS = {"name": _NAME, "description": _TEXT, "enabled": _BOOL}
_PROJECT_PROPS = {
    "name": _NAME,
    "description": _TEXT,
    "enabled": _BOOL,
    "domain_id": _ID,
    "parent_id": _ID,
    "is_domain": {"type": "boolean", "enum": [False]},
    "tags": {"type": "array"},
    "options": {"type": "object"},
}
_USER_PROPS = {
    "name": _NAME,
    "description": _TEXT,
    "enabled": _BOOL,
    "domain_id": _ID,
    "default_project_id": _ID,
    "password": {"type": ["string", "null"], "maxLength": 4096},
    "email": {"type": ["string", "null"], "maxLength": 255},
    "options": {"type": "object"},
}


async def _require_domain(session: AsyncSession, domain_id: str) -> None:
    if await store.find(session, m.Domain, domain_id) is None:
        raise ValidationError(attribute="an existing domain_id", target="request body")


def _domain_of(body: dict[str, Any], caller: ValidatedToken) -> str:
    if body.get("domain_id"):
        return str(body["domain_id"])
    if caller.payload.scope and caller.payload.scope[0] == "domain":
        return caller.payload.scope[1]
    return DEFAULT_DOMAIN


async def _build_domain(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.Domain:
    return m.Domain(
        id=store.new_id(),
        name=body["name"],
        description=body.get("description") or "",
        enabled=body.get("enabled", True),
    )


async def _update_domain(session: AsyncSession, row: m.Domain, changes: dict[str, Any]) -> None:
    set_attrs(row, changes, ("name", "description", "enabled"))


async def _delete_domain(session: AsyncSession, row: m.Domain) -> None:
    if row.enabled:
        raise Forbidden("Cannot delete a domain that is enabled, please disable it first.")
    for project in await store.list_rows(session, m.Project, domain_id=row.id):
        await _delete_project(session, project)
        await store.remove(session, project)
    for user in await store.list_rows(session, m.User, domain_id=row.id):
        await _delete_user(session, user)
        await store.remove(session, user)
    await store.delete_assignments_of(session, target_id=row.id)


async def _build_project(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.Project:
    domain_id = _domain_of(body, caller)
    await _require_domain(session, domain_id)
    return m.Project(
        id=store.new_id(),
        name=body["name"],
        domain_id=domain_id,
        description=body.get("description") or "",
        enabled=body.get("enabled", True),
    )


async def _update_project(session: AsyncSession, row: m.Project, changes: dict[str, Any]) -> None:
    if "domain_id" in changes and changes["domain_id"] != row.domain_id:
        raise ValidationError("Update of `domain_id` is not allowed.")
    set_attrs(row, changes, ("name", "description", "enabled"))
    if changes.get("enabled") is False:
        await revocation.revoke_project(session, row.id)


async def _delete_project(session: AsyncSession, row: m.Project) -> None:
    await store.delete_assignments_of(session, target_id=row.id)
    await revocation.revoke_project(session, row.id)


async def _build_user(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.User:
    domain_id = _domain_of(body, caller)
    await _require_domain(session, domain_id)
    password = body.get("password")
    return m.User(
        id=store.new_id(),
        name=body["name"],
        domain_id=domain_id,
        enabled=body.get("enabled", True),
        password_hash=await passwords.hash_password_async(password) if password else None,
        default_project_id=body.get("default_project_id"),
        description=body.get("description") or "",
        email=body.get("email"),
    )


async def _update_user(session: AsyncSession, row: m.User, changes: dict[str, Any]) -> None:
    if "domain_id" in changes and changes["domain_id"] != row.domain_id:
        raise ValidationError("Update of `domain_id` is not allowed.")
    set_attrs(row, changes, ("name", "description", "enabled", "default_project_id", "email"))
    if "password" in changes:
        password = changes["password"]
        row.password_hash = await passwords.hash_password_async(password) if password else None
    if "password" in changes or changes.get("enabled") is False:
        await revocation.revoke_user(session, row.id)


async def _delete_user(session: AsyncSession, row: m.User) -> None:
    await store.delete_assignments_of(session, user_id=row.id)
    for cred in await store.list_rows(session, m.ApplicationCredential, user_id=row.id):
        await session.delete(cred)
    await revocation.revoke_user(session, row.id)


DOMAINS = Resource(
    model=m.Domain,
    member="domain",
    collection="domains",
    create_schema=_schema(True, **_DOMAIN_PROPS),
    update_schema=_schema(False, **_DOMAIN_PROPS),
    view=views.domain,
    build=_build_domain,
    filters=("name", "enabled"),
    update=_update_domain,
    before_delete=_delete_domain,
)

PROJECTS = Resource(
    model=m.Project,
    member="project",
    collection="projects",
    create_schema=_schema(True, **_PROJECT_PROPS),
    update_schema=_schema(False, **_PROJECT_PROPS),
    view=views.project,
    build=_build_project,
    filters=("name", "domain_id", "enabled"),
    update=_update_project,
    before_delete=_delete_project,
)

USERS = Resource(
    model=m.User,
    member="user",
    collection="users",
    create_schema=_schema(True, **_USER_PROPS),
    update_schema=_schema(False, **_USER_PROPS),
    view=views.user,
    build=_build_user,
    filters=("name", "domain_id", "enabled"),
    update=_update_user,
    before_delete=_delete_user,
)

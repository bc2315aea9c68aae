"""Roles, services, endpoints and regions."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m
from novalite.builtin.identity import store, views
from novalite.builtin.identity.errors import ValidationError
from novalite.builtin.identity.handlers.crud import Resource, set_attrs
from novalite.builtin.identity.provider import ValidatedToken

_TEXT = {"type": ["string", "null"]}
_BOOL = {"type": "boolean"}
_INTERFACE = {"type": "string", "enum": ["public", "internal", "admin"]}


def _schema(required: list[str], **properties: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    else:
        schema["minProperties"] = 1
    return schema


_ROLE_PROPS = {
    "name": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": _TEXT,
    "domain_id": {"type": "null"},
    "options": {"type": "object"},
}
_SERVICE_PROPS = {
    "type": {"type": "string", "minLength": 1, "maxLength": 255},
    "name": {"type": "string", "maxLength": 255},
    "description": _TEXT,
    "enabled": _BOOL,
}
_ENDPOINT_PROPS = {
    "service_id": {"type": "string", "maxLength": 64},
    "interface": _INTERFACE,
    "url": {"type": "string", "minLength": 1, "maxLength": 1024},
    "region_id": {"type": ["string", "null"], "maxLength": 255},
    "region": {"type": ["string", "null"], "maxLength": 255},
    "enabled": _BOOL,
}
_REGION_PROPS = {
    "id": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": _TEXT,
    "parent_region_id": {"type": ["string", "null"], "maxLength": 255},
}


async def _build_role(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.Role:
    return m.Role(id=store.new_id(), name=body["name"], description=body.get("description") or "")


async def _update_role(session: AsyncSession, row: m.Role, changes: dict[str, Any]) -> None:
    set_attrs(row, changes, ("name", "description"))


async def _delete_role(session: AsyncSession, row: m.Role) -> None:
    await store.delete_assignments_of(session, role_id=row.id)
    await session.execute(
        delete(m.ImpliedRole).where(
            (m.ImpliedRole.prior_role_id == row.id) | (m.ImpliedRole.implied_role_id == row.id)
        )
    )


async def _build_service(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.Service:
    return m.Service(
        id=store.new_id(),
        type=body["type"],
        name=body.get("name") or "",
        description=body.get("description") or "",
        enabled=body.get("enabled", True),
    )


async def _update_service(session: AsyncSession, row: m.Service, changes: dict[str, Any]) -> None:
    set_attrs(row, changes, ("type", "name", "description", "enabled"))


async def _delete_service(session: AsyncSession, row: m.Service) -> None:
    await session.execute(delete(m.Endpoint).where(m.Endpoint.service_id == row.id))


async def _check_endpoint_refs(session: AsyncSession, row: m.Endpoint) -> None:
    if await store.find(session, m.Service, row.service_id) is None:
        raise ValidationError(attribute="an existing service_id", target="endpoint")
    if row.region_id and await store.find(session, m.Region, row.region_id) is None:
        raise ValidationError(attribute="an existing region_id", target="endpoint")


async def _build_endpoint(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.Endpoint:
    row = m.Endpoint(
        id=store.new_id(),
        service_id=body["service_id"],
        interface=body["interface"],
        url=body["url"],
        region_id=body.get("region_id") or body.get("region"),
        enabled=body.get("enabled", True),
    )
    await _check_endpoint_refs(session, row)
    return row


async def _update_endpoint(session: AsyncSession, row: m.Endpoint, changes: dict[str, Any]) -> None:
    if "region" in changes and "region_id" not in changes:
        changes = {**changes, "region_id": changes["region"]}
    set_attrs(row, changes, ("service_id", "interface", "url", "region_id", "enabled"))
    await _check_endpoint_refs(session, row)


async def _build_region(
    session: AsyncSession, body: dict[str, Any], caller: ValidatedToken
) -> m.Region:
    parent = body.get("parent_region_id")
    if parent and await store.find(session, m.Region, parent) is None:
        raise ValidationError(attribute="an existing parent_region_id", target="region")
    return m.Region(
        id=body.get("id") or store.new_id(),
        description=body.get("description") or "",
        parent_region_id=parent,
    )


async def _update_region(session: AsyncSession, row: m.Region, changes: dict[str, Any]) -> None:
    set_attrs(row, changes, ("description", "parent_region_id"))


ROLES = Resource(
    model=m.Role,
    member="role",
    collection="roles",
    create_schema=_schema(["name"], **_ROLE_PROPS),
    update_schema=_schema([], **_ROLE_PROPS),
    view=views.role,
    build=_build_role,
    filters=("name",),
    update=_update_role,
    before_delete=_delete_role,
)

SERVICES = Resource(
    model=m.Service,
    member="service",
    collection="services",
    create_schema=_schema(["type"], **_SERVICE_PROPS),
    update_schema=_schema([], **_SERVICE_PROPS),
    view=views.service,
    build=_build_service,
    filters=("type", "name"),
    update=_update_service,
    before_delete=_delete_service,
)

ENDPOINTS = Resource(
    model=m.Endpoint,
    member="endpoint",
    collection="endpoints",
    create_schema=_schema(["service_id", "interface", "url"], **_ENDPOINT_PROPS),
    update_schema=_schema([], **_ENDPOINT_PROPS),
    view=views.endpoint,
    build=_build_endpoint,
    filters=("service_id", "interface", "region_id"),
    update=_update_endpoint,
)

REGIONS = Resource(
    model=m.Region,
    member="region",
    collection="regions",
    create_schema={"type": "object", "properties": _REGION_PROPS},
    update_schema=_schema([], **_REGION_PROPS),
    view=views.region,
    build=_build_region,
    filters=("parent_region_id",),
    update=_update_region,
)

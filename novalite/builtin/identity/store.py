"""Reading and writing domains, projects and users (one session per call, given by the caller)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m
from novalite.builtin.identity.errors import IdentityConflict, IdentityNotFound
from novalite.errors import DBDuplicateEntry

T = TypeVar("T", bound=m.IdentityBase)

#: Keystone's name of each entity, as its error messages spell it.
KINDS: dict[type[m.IdentityBase], str] = {
    m.Domain: "domain",
    m.Project: "project",
    m.User: "user",
    m.Role: "role",
    m.Service: "service",
    m.Endpoint: "endpoint",
    m.Region: "region",
    m.ApplicationCredential: "application credential",
}


def new_id() -> str:
    """A keystone-style id: 32 hex digits."""
    return uuid.uuid4().hex


async def get(session: AsyncSession, model: type[T], entity_id: str) -> T:
    """The row ``entity_id`` of ``model``, or keystone's 404."""
    row = await session.get(model, entity_id)
    if row is None:
        raise IdentityNotFound(kind=KINDS.get(model, model.__name__), id=entity_id)
    return row


async def find(session: AsyncSession, model: type[T], entity_id: str) -> T | None:
    """The row ``entity_id`` of ``model`` or None."""
    return await session.get(model, entity_id)


async def list_rows(session: AsyncSession, model: type[T], **filters: Any) -> Sequence[T]:
    """Rows of ``model`` whose columns equal the non-None ``filters``."""
    query = select(model)
    for name, value in filters.items():
        if value is not None:
            query = query.where(getattr(model, name) == value)
    return (await session.scalars(query)).all()


async def add(session: AsyncSession, row: T) -> T:
    """Insert ``row``; keystone's 409 if a unique name is taken."""
    session.add(row)
    try:
        await session.flush()
    except (DBDuplicateEntry, IntegrityError) as exc:
        kind = KINDS.get(type(row), type(row).__name__)
        raise IdentityConflict(
            kind=kind, detail=f"Duplicate entry found with name {getattr(row, 'name', '')}"
        ) from exc
    return row


async def flush_update(session: AsyncSession, row: m.IdentityBase) -> None:
    """Write pending changes of ``row``; 409 on a duplicate name."""
    try:
        await session.flush()
    except (DBDuplicateEntry, IntegrityError) as exc:
        kind = KINDS.get(type(row), type(row).__name__)
        raise IdentityConflict(
            kind=kind, detail=f"Duplicate entry found with name {getattr(row, 'name', '')}"
        ) from exc


async def remove(session: AsyncSession, row: m.IdentityBase) -> None:
    """Delete ``row``."""
    await session.delete(row)
    await session.flush()


async def domain_by_name(session: AsyncSession, name: str) -> m.Domain | None:
    """The domain called ``name``."""
    return await session.scalar(select(m.Domain).where(m.Domain.name == name))


async def project_by_name(session: AsyncSession, name: str, domain_id: str) -> m.Project | None:
    """The project ``name`` of ``domain_id``."""
    query = select(m.Project).where(m.Project.name == name, m.Project.domain_id == domain_id)
    return await session.scalar(query)


async def user_by_name(session: AsyncSession, name: str, domain_id: str) -> m.User | None:
    """The user ``name`` of ``domain_id``."""
    query = select(m.User).where(m.User.name == name, m.User.domain_id == domain_id)
    return await session.scalar(query)


async def role_by_name(session: AsyncSession, name: str) -> m.Role | None:
    """The role called ``name``."""
    return await session.scalar(select(m.Role).where(m.Role.name == name))


async def delete_assignments_of(
    session: AsyncSession,
    *,
    user_id: str | None = None,
    target_id: str | None = None,
    role_id: str | None = None,
) -> None:
    """Remove every assignment of a deleted user, project/domain or role."""
    query = delete(m.Assignment)
    if user_id is not None:
        query = query.where(m.Assignment.user_id == user_id)
    if target_id is not None:
        query = query.where(m.Assignment.target_id == target_id)
    if role_id is not None:
        query = query.where(m.Assignment.role_id == role_id)
    await session.execute(query)

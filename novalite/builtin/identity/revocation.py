"""Revocation events: what makes an otherwise valid token invalid."""

from __future__ import annotations

import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m
from novalite.builtin.identity.tokens import TokenPayload


def _now() -> float:
    return datetime.datetime.now(datetime.UTC).timestamp()


async def revoke_audit_id(session: AsyncSession, audit_id: str) -> None:
    """Revoke the token with ``audit_id`` (and every token re-scoped from it)."""
    session.add(m.RevocationEvent(audit_id=audit_id, issued_before=_now()))
    await session.flush()


async def revoke_user(session: AsyncSession, user_id: str, project_id: str | None = None) -> None:
    """Revoke every token of ``user_id`` issued until now (on ``project_id`` only, if given)."""
    session.add(m.RevocationEvent(user_id=user_id, project_id=project_id, issued_before=_now()))
    await session.flush()


async def revoke_project(session: AsyncSession, project_id: str) -> None:
    """Revoke every token scoped to ``project_id`` issued until now."""
    session.add(m.RevocationEvent(project_id=project_id, issued_before=_now()))
    await session.flush()


async def is_revoked(session: AsyncSession, payload: TokenPayload) -> bool:
    """True if some revocation event matches ``payload``."""
    project_id = payload.scope[1] if payload.scope and payload.scope[0] == "project" else None
    matches = [
        m.RevocationEvent.audit_id.in_(payload.audit_ids),
        m.RevocationEvent.user_id == payload.user_id,
    ]
    if project_id:
        matches.append(m.RevocationEvent.project_id == project_id)
    query = select(m.RevocationEvent).where(or_(*matches))
    for event in (await session.scalars(query)).all():
        if payload.issued_at.timestamp() > event.issued_before:
            continue
        if event.audit_id is not None and event.audit_id not in payload.audit_ids:
            continue
        if event.user_id is not None and event.user_id != payload.user_id:
            continue
        if event.project_id is not None and event.project_id != project_id:
            continue
        return True
    return False

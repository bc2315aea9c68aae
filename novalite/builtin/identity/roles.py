"""Role assignments and implied roles: who holds which roles where, effectively."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.identity import models as m

PROJECT = "project"
DOMAIN = "domain"
SYSTEM = "system"
#: The only system target keystone knows.
SYSTEM_ALL = "all"


async def implications(session: AsyncSession) -> dict[str, set[str]]:
    """Prior role id -> the role ids it directly implies."""
    graph: dict[str, set[str]] = {}
    for rule in (await session.scalars(select(m.ImpliedRole))).all():
        graph.setdefault(rule.prior_role_id, set()).add(rule.implied_role_id)
    return graph


def expand(role_ids: Iterable[str], graph: dict[str, set[str]]) -> set[str]:
    """``role_ids`` and every role they imply, transitively (cycles tolerated)."""
    seen: set[str] = set()
    pending = list(role_ids)
    while pending:
        role_id = pending.pop()
        if role_id in seen:
            continue
        seen.add(role_id)
        pending.extend(graph.get(role_id, ()))
    return seen


async def direct_role_ids(
    session: AsyncSession, user_id: str, target_type: str, target_id: str
) -> set[str]:
    """Role ids assigned to ``user_id`` on the target, without implications."""
    query = select(m.Assignment.role_id).where(
        m.Assignment.user_id == user_id,
        m.Assignment.target_type == target_type,
        m.Assignment.target_id == target_id,
    )
    return set((await session.scalars(query)).all())


async def effective_roles(
    session: AsyncSession, user_id: str, target_type: str, target_id: str
) -> list[m.Role]:
    """The roles ``user_id`` effectively holds on the target (implied roles expanded)."""
    direct = await direct_role_ids(session, user_id, target_type, target_id)
    if not direct:
        return []
    ids = expand(direct, await implications(session))
    return await roles_by_ids(session, ids)


async def roles_by_ids(session: AsyncSession, ids: Iterable[str]) -> list[m.Role]:
    """The existing roles among ``ids``, sorted by name."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = (await session.scalars(select(m.Role).where(m.Role.id.in_(wanted)))).all()
    return sorted(rows, key=lambda role: role.name)


async def assignments(
    session: AsyncSession,
    *,
    user_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    role_id: str | None = None,
) -> Sequence[m.Assignment]:
    """Direct assignments matching the given filters."""
    query = select(m.Assignment)
    if user_id is not None:
        query = query.where(m.Assignment.user_id == user_id)
    if target_type is not None:
        query = query.where(m.Assignment.target_type == target_type)
    if target_id is not None:
        query = query.where(m.Assignment.target_id == target_id)
    if role_id is not None:
        query = query.where(m.Assignment.role_id == role_id)
    return (await session.scalars(query)).all()


async def effective_assignments(
    session: AsyncSession, rows: Sequence[m.Assignment]
) -> list[m.Assignment]:
    """``rows`` with implied roles added as extra (unsaved) assignments, as ``?effective``."""
    graph = await implications(session)
    out: dict[tuple[str, str, str, str], m.Assignment] = {}
    for row in rows:
        for role_id in expand([row.role_id], graph):
            key = (row.user_id, row.target_type, row.target_id, role_id)
            out.setdefault(
                key,
                m.Assignment(
                    user_id=row.user_id,
                    target_type=row.target_type,
                    target_id=row.target_id,
                    role_id=role_id,
                ),
            )
    return list(out.values())

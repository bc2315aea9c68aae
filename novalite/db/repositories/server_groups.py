"""Server groups (API database): the group, its one policy (with rules) and its members.

``ServerGroup.hosts`` is not stored; whoever needs it fills it from the members'
instances (``InstanceRepository.hosts_of``).
"""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from typing import Any

import orjson
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import api as models
from novalite.domain.server_group import ServerGroup
from novalite.errors import DBDuplicateEntry, InstanceGroupIdExists, InstanceGroupNotFound

_Group = models.InstanceGroup
_Policy = models.InstanceGroupPolicy
_Member = models.InstanceGroupMember


class ServerGroupRepository:
    """Reads and writes ``instance_groups`` and their policy and member rows."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, group: ServerGroup) -> ServerGroup:
        """Insert ``group`` with its policy, rules and members; InstanceGroupIdExists if taken."""

        async def insert(session: AsyncSession) -> ServerGroup:
            row = _Group(
                uuid=group.uuid, name=group.name, project_id=group.project_id, user_id=group.user_id
            )
            session.add(row)
            await session.flush()
            rules = orjson.dumps(dict(group.rules)).decode() if group.rules else None
            session.add(_Policy(group_id=row.id, policy=group.policy, rules=rules))
            for uuid in dict.fromkeys(group.members):
                session.add(_Member(group_id=row.id, instance_uuid=uuid))
            await session.flush()
            return (await _complete(session, [row]))[0]

        try:
            return await self._db.write(insert)
        except DBDuplicateEntry:
            raise InstanceGroupIdExists(group_uuid=group.uuid) from None

    async def get(self, uuid: str) -> ServerGroup:
        """The group ``uuid`` with its members; InstanceGroupNotFound if there is none."""

        async def query(session: AsyncSession) -> ServerGroup:
            return (await _complete(session, [await _row(session, uuid)]))[0]

        return await self._db.read(query)

    async def get_by_instance(self, instance_uuid: str) -> ServerGroup | None:
        """The group ``instance_uuid`` is a member of, if any."""

        async def query(session: AsyncSession) -> ServerGroup | None:
            stmt = (
                select(_Group)
                .join(_Member, _Member.group_id == _Group.id)
                .where(_Member.instance_uuid == instance_uuid)
                .order_by(_Group.id)
                .limit(1)
            )
            row = await session.scalar(stmt)
            return None if row is None else (await _complete(session, [row]))[0]

        return await self._db.read(query)

    async def list(
        self, project_id: str | None, *, limit: int | None = None, offset: int | None = None
    ) -> builtins.list[ServerGroup]:
        """Groups of ``project_id`` (every project's if None), oldest first."""
        stmt = select(_Group).order_by(_Group.id)
        if project_id is not None:
            stmt = stmt.where(_Group.project_id == project_id)
        if offset:
            stmt = stmt.offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)

        async def query(session: AsyncSession) -> builtins.list[ServerGroup]:
            return await _complete(session, list(await session.scalars(stmt)))

        return await self._db.read(query)

    async def delete(self, uuid: str) -> None:
        """Delete the group with its policy and members; InstanceGroupNotFound if none."""

        async def remove(session: AsyncSession) -> None:
            row = await _row(session, uuid)
            for model in (_Member, _Policy):
                await session.execute(delete(model).where(model.group_id == row.id))
            await session.delete(row)

        await self._db.write(remove)

    async def add_members(self, uuid: str, instance_uuids: Collection[str]) -> None:
        """Add the instances that are not members yet; InstanceGroupNotFound if no group."""

        async def add(session: AsyncSession) -> None:
            row = await _row(session, uuid)
            stmt = select(_Member.instance_uuid).where(_Member.group_id == row.id)
            present = set(await session.scalars(stmt))
            for instance_uuid in dict.fromkeys(instance_uuids):
                if instance_uuid not in present:
                    session.add(_Member(group_id=row.id, instance_uuid=instance_uuid))

        await self._db.write(add)

    async def remove_member(self, instance_uuid: str) -> None:
        """Remove ``instance_uuid`` from every group it is a member of (none: nothing to do)."""

        async def remove(session: AsyncSession) -> None:
            await session.execute(delete(_Member).where(_Member.instance_uuid == instance_uuid))

        await self._db.write(remove)


async def _row(session: AsyncSession, uuid: str) -> models.InstanceGroup:
    row = await session.scalar(select(_Group).where(_Group.uuid == uuid))
    if row is None:
        raise InstanceGroupNotFound(group_uuid=uuid)
    return row


async def _complete(
    session: AsyncSession, rows: Sequence[models.InstanceGroup]
) -> builtins.list[ServerGroup]:
    """Domain groups for ``rows``: policies and members in one query each."""
    if not rows:
        return []
    ids = [row.id for row in rows]
    policies: dict[int, tuple[str | None, str | None]] = {}
    stmt: Any = select(_Policy.group_id, _Policy.policy, _Policy.rules).where(
        _Policy.group_id.in_(ids)
    )
    for group_id, policy, rules in await session.execute(stmt.order_by(_Policy.id)):
        policies.setdefault(group_id, (policy, rules))
    members: dict[int, builtins.list[str]] = {}
    stmt = (
        select(_Member.group_id, _Member.instance_uuid)
        .where(_Member.group_id.in_(ids))
        .order_by(_Member.id)
    )
    for group_id, instance_uuid in await session.execute(stmt):
        if instance_uuid is not None:
            members.setdefault(group_id, []).append(instance_uuid)
    return [_to_domain(row, policies.get(row.id), members.get(row.id, [])) for row in rows]


def _to_domain(
    row: models.InstanceGroup,
    policy: tuple[str | None, str | None] | None,
    members: builtins.list[str],
) -> ServerGroup:
    name, rules = policy or (None, None)
    values: dict[str, Any] = {}
    if name:
        values["policy"] = name
    group = ServerGroup(
        id=row.id,
        uuid=row.uuid,
        name=row.name,
        project_id=row.project_id,
        user_id=row.user_id,
        rules={str(k): int(v) for k, v in orjson.loads(rules).items()} if rules else {},
        members=members,
        **values,
    )
    group.reset_changes()
    return group

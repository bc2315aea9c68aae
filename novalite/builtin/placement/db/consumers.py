"""Consumers (owners of allocations) with their projects, users, types and generations."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Select, bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db.models import (
    Allocation,
    Consumer,
    ConsumerType,
    PlacementBase,
    Project,
    User,
)
from novalite.builtin.placement.errors import ConcurrentUpdate
from novalite.db.core import core_table, insert_into, insert_row

_CONSUMERS = core_table(Consumer)
_ALLOCATIONS = core_table(Allocation)
_PROJECTS = core_table(Project)
_USERS = core_table(User)
_TYPES = core_table(ConsumerType)
_PROJECT_ID = select(_PROJECTS.c.id).where(_PROJECTS.c.external_id == bindparam("external_id"))
_USER_ID = select(_USERS.c.id).where(_USERS.c.external_id == bindparam("external_id"))
_TYPE_ID = select(_TYPES.c.id).where(_TYPES.c.name == bindparam("name"))
_STATE = select(_CONSUMERS.c.id, _CONSUMERS.c.generation).where(
    _CONSUMERS.c.uuid == bindparam("uuid")
)
_UPDATE = update(_CONSUMERS).where(
    _CONSUMERS.c.id == bindparam("b_id"), _CONSUMERS.c.generation == bindparam("b_generation")
)
_DELETE_UNUSED = delete(_CONSUMERS).where(
    _CONSUMERS.c.uuid.in_(bindparam("uuids", expanding=True)),
    ~exists().where(_ALLOCATIONS.c.consumer_id == _CONSUMERS.c.uuid),
)


async def _id_of(
    session: AsyncSession, lookup: Select[Any], model: type[PlacementBase], **key: str
) -> int:
    """The id ``lookup`` finds for ``key``, or that of a new ``model`` row made of ``key``."""
    found = (await session.execute(lookup, key)).scalar_one_or_none()
    if found is not None:
        return int(found)
    return await insert_row(session, model, **key)


async def get(session: AsyncSession, uuid: str) -> Consumer | None:
    """The consumer ``uuid``."""
    return (
        await session.execute(select(Consumer).where(Consumer.uuid == uuid))
    ).scalar_one_or_none()


async def describe(session: AsyncSession, consumer: Consumer) -> tuple[str, str, str | None]:
    """``(project external id, user external id, consumer type name or None)``."""
    project = (
        await session.execute(select(Project.external_id).where(Project.id == consumer.project_id))
    ).scalar_one()
    user = (
        await session.execute(select(User.external_id).where(User.id == consumer.user_id))
    ).scalar_one()
    type_name = None
    if consumer.consumer_type_id is not None:
        type_name = (
            await session.execute(
                select(ConsumerType.name).where(ConsumerType.id == consumer.consumer_type_id)
            )
        ).scalar_one()
    return project, user, type_name


async def ensure(
    session: AsyncSession,
    uuid: str,
    project_id: str,
    user_id: str,
    *,
    generation: int | None,
    check_generation: bool,
    consumer_type: str | None,
) -> None:
    """The consumer, created or updated, its generation checked (1.28) and bumped.

    ``generation`` None means the caller believes the consumer is new.
    """
    consumer = (await session.execute(_STATE, {"uuid": uuid})).one_or_none()
    project = await _id_of(session, _PROJECT_ID, Project, external_id=project_id)
    user = await _id_of(session, _USER_ID, User, external_id=user_id)
    type_id = (
        await _id_of(session, _TYPE_ID, ConsumerType, name=consumer_type) if consumer_type else None
    )
    if consumer is None:
        if check_generation and generation is not None:
            raise ConcurrentUpdate(
                f"consumer generation conflict - expected null but got {generation}"
            )
        values = {"uuid": uuid, "project_id": project, "user_id": user, "consumer_type_id": type_id}
        await session.execute(insert_into(Consumer), {**values, "generation": 1})
        return
    if check_generation and generation != consumer.generation:
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected {consumer.generation} but got "
            f"{'null' if generation is None else generation}"
        )
    changes: dict[str, int | None] = {
        "project_id": project,
        "user_id": user,
        "generation": consumer.generation + 1,
        "b_id": consumer.id,
        "b_generation": consumer.generation,
    }
    if type_id is not None:
        changes["consumer_type_id"] = type_id
    result = await session.execute(_UPDATE, changes)
    if cast(CursorResult[Any], result).rowcount != 1:
        raise ConcurrentUpdate("consumer generation conflict - the consumer changed meanwhile")


async def delete_if_unused(session: AsyncSession, uuids: list[str]) -> None:
    """Drop the consumers among ``uuids`` that no longer have allocations."""
    if uuids:
        await session.execute(_DELETE_UNUSED, {"uuids": uuids})

"""Consumers (owners of allocations) with their projects, users, types and generations."""

from __future__ import annotations

from sqlalchemy import delete, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db.models import Allocation, Consumer, ConsumerType, Project, User
from novalite.builtin.placement.errors import ConcurrentUpdate
from novalite.db.models.base import core_table


async def _project(session: AsyncSession, external_id: str) -> int:
    query = select(Project.id).where(Project.external_id == external_id)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    row = Project(external_id=external_id)
    session.add(row)
    await session.flush()
    return row.id


async def _user(session: AsyncSession, external_id: str) -> int:
    query = select(User.id).where(User.external_id == external_id)
    found = (await session.execute(query)).scalar_one_or_none()
    if found is not None:
        return found
    row = User(external_id=external_id)
    session.add(row)
    await session.flush()
    return row.id


async def _type_id(session: AsyncSession, name: str) -> int:
    row = (
        await session.execute(select(ConsumerType).where(ConsumerType.name == name))
    ).scalar_one_or_none()
    if row is None:
        row = ConsumerType(name=name)
        session.add(row)
        await session.flush()
    return row.id


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
) -> Consumer:
    """The consumer, created or updated, its generation checked (1.28) and bumped.

    ``generation`` None means the caller believes the consumer is new.
    """
    consumer = await get(session, uuid)
    project = await _project(session, project_id)
    user = await _user(session, user_id)
    type_id = await _type_id(session, consumer_type) if consumer_type else None
    if consumer is None:
        if check_generation and generation is not None:
            raise ConcurrentUpdate(
                f"consumer generation conflict - expected null but got {generation}"
            )
        # A Core insert: the ORM's unit of work costs more than the whole statement.
        await session.execute(
            insert(core_table(Consumer)).values(
                uuid=uuid, project_id=project, user_id=user, generation=1, consumer_type_id=type_id
            )
        )
        created = await get(session, uuid)
        if created is None:  # pragma: no cover - inserted in this very transaction
            raise ConcurrentUpdate(f"consumer {uuid} vanished while being created")
        return created
    if check_generation and generation != consumer.generation:
        expected = consumer.generation
        raise ConcurrentUpdate(
            f"consumer generation conflict - expected {expected} but got "
            f"{'null' if generation is None else generation}"
        )
    values: dict[str, int | None] = {
        "project_id": project,
        "user_id": user,
        "generation": consumer.generation + 1,
    }
    if type_id is not None:
        values["consumer_type_id"] = type_id
    result = await session.execute(
        update(Consumer)
        .where(Consumer.id == consumer.id, Consumer.generation == consumer.generation)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise ConcurrentUpdate("consumer generation conflict - the consumer changed meanwhile")
    await session.refresh(consumer)
    return consumer


async def delete_if_unused(session: AsyncSession, uuids: list[str]) -> None:
    """Drop the consumers among ``uuids`` that no longer have allocations."""
    if uuids:
        await session.execute(
            delete(Consumer).where(
                Consumer.uuid.in_(uuids), ~exists().where(Allocation.consumer_id == Consumer.uuid)
            )
        )

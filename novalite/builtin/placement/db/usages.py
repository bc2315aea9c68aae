"""Usage sums: per provider, and per project/user (optionally by consumer type, 1.38)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.builtin.placement.db import resource_classes
from novalite.builtin.placement.db.models import (
    Allocation,
    Consumer,
    ConsumerType,
    Inventory,
    Project,
    User,
)


async def of_provider(session: AsyncSession, provider_id: int) -> dict[str, int]:
    """Used amount of each class the provider has inventory of (0 when unused)."""
    names = await resource_classes.names_by_id(session)
    used = (
        select(func.coalesce(func.sum(Allocation.used), 0))
        .where(
            Allocation.resource_provider_id == provider_id,
            Allocation.resource_class_id == Inventory.resource_class_id,
        )
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Inventory.resource_class_id, used).where(
            Inventory.resource_provider_id == provider_id
        )
    )
    return {names[class_id]: int(total) for class_id, total in rows}


async def of_project(
    session: AsyncSession,
    project_id: str,
    user_id: str | None = None,
    *,
    by_type: bool = False,
    consumer_type: str | None = None,
) -> dict[str, dict[str, int]]:
    """``{group: {class: used}}``: one group ``""``, or per type with ``consumer_count``.

    ``consumer_type``: ``all`` (default), ``unknown`` (no type) or a type name.
    """
    names = await resource_classes.names_by_id(session)
    type_name = func.coalesce(ConsumerType.name, "unknown")
    query = (
        select(type_name, Allocation.resource_class_id, func.sum(Allocation.used))
        .join(Consumer, Consumer.uuid == Allocation.consumer_id)
        .join(Project, Project.id == Consumer.project_id)
        .outerjoin(ConsumerType, ConsumerType.id == Consumer.consumer_type_id)
        .where(Project.external_id == project_id)
        .group_by(type_name, Allocation.resource_class_id)
    )
    count_query = (
        select(type_name, func.count(func.distinct(Consumer.id)))
        .join(Project, Project.id == Consumer.project_id)
        .outerjoin(ConsumerType, ConsumerType.id == Consumer.consumer_type_id)
        .where(Project.external_id == project_id)
        .group_by(type_name)
    )
    if user_id is not None:
        query = query.join(User, User.id == Consumer.user_id).where(User.external_id == user_id)
        count_query = count_query.join(User, User.id == Consumer.user_id).where(
            User.external_id == user_id
        )
    if consumer_type not in (None, "all"):
        if consumer_type == "unknown":
            query = query.where(Consumer.consumer_type_id.is_(None))
            count_query = count_query.where(Consumer.consumer_type_id.is_(None))
        else:
            query = query.where(ConsumerType.name == consumer_type)
            count_query = count_query.where(ConsumerType.name == consumer_type)
    result: dict[str, dict[str, int]] = {}
    for group, class_id, used in await session.execute(query):
        key = group if by_type else ""
        bucket = result.setdefault(key, {})
        bucket[names[class_id]] = bucket.get(names[class_id], 0) + int(used)
    if by_type:
        for group, count in await session.execute(count_query):
            if group in result:
                result[group]["consumer_count"] = int(count)
        if consumer_type == "all" and result:
            combined: dict[str, int] = {}
            for bucket in result.values():
                for key, value in bucket.items():
                    combined[key] = combined.get(key, 0) + value
            result = {"all": combined}
    return result

"""Helpers shared by the repositories: rows to domain objects, changes to columns."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, inspect, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from novalite.db.models.base import utcnow
from novalite.domain.base import DomainObject
from novalite.errors import Invalid

D = TypeVar("D", bound=DomainObject)

#: Columns a repository maintains itself: changes to them are not written by ``save``.
BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "deleted", "deleted_at"})


@functools.cache
def column_names(model: type[DeclarativeBase]) -> frozenset[str]:
    """The mapped column attributes of ``model``."""
    return frozenset(attr.key for attr in inspect(model).column_attrs)


def to_domain(cls: type[D], row: DeclarativeBase, **overrides: Any) -> D:
    """Build a ``cls`` from the row's columns of the same name, plus ``overrides``.

    The object comes back with no recorded changes.
    """
    columns = column_names(type(row))
    values = {
        name: getattr(row, name)
        for name in cls.field_names()
        if name in columns and name not in overrides
    }
    values.update(overrides)
    obj = cls(**values)
    obj.reset_changes()
    return obj


def row_values(
    model: type[DeclarativeBase], values: Mapping[str, Any], *, skip: Iterable[str] = ()
) -> dict[str, Any]:
    """The items of ``values`` that are columns of ``model``, bookkeeping columns excluded."""
    excluded = BOOKKEEPING | frozenset(skip)
    columns = column_names(model)
    return {name: value for name, value in values.items() if name in columns - excluded}


def changed_values(obj: DomainObject, model: type[DeclarativeBase]) -> dict[str, Any]:
    """The columns of ``model`` that ``obj`` changed since it was loaded.

    Changing ``id`` is refused; other bookkeeping fields are ignored.
    """
    changes = obj.changes()
    if "id" in changes:
        raise Invalid(reason=f"the id of a {type(obj).__name__} cannot be changed")
    return row_values(model, changes)


def soft_delete_values(model: Any) -> dict[str, Any]:
    """``SET`` clause of nova's soft delete: ``deleted = id``, ``deleted_at = now``.

    ``updated_at`` is left as it was, as oslo.db does.
    """
    return {"deleted": model.id, "deleted_at": utcnow(), "updated_at": model.updated_at}


async def update_live_row(
    session: AsyncSession, model: Any, row_id: int, values: Mapping[str, Any]
) -> bool:
    """``UPDATE`` the live (not soft-deleted) row ``row_id``; False when there is none."""
    result = await session.execute(
        update(model).where(model.id == row_id, live(model)).values(**values)
    )
    return bool(getattr(result, "rowcount", 0))


def live(model: Any) -> ColumnElement[bool]:
    """Filter on rows that are not soft-deleted."""
    clause: ColumnElement[bool] = model.deleted == 0
    return clause

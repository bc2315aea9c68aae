"""Core statements on the models' tables, for hot paths that need no ORM objects.

A statement on a model's Core table skips the ORM's per-statement compile work and its
unit of work. Hot statements are built once (module constants with ``bindparam``) and
executed with a dict of parameters: ``await session.execute(STMT, {"uuid": uuid})``.
"""

from __future__ import annotations

import functools
from typing import Any, TypeAlias, cast

from sqlalchemy import CursorResult, Insert, Row, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.schema import Table

#: A row of a Core statement (columns by name or position).
CoreRow: TypeAlias = Row[*tuple[Any, ...]]


def core_table(model: type[DeclarativeBase]) -> Table:
    """The Core table of an ORM model."""
    table = model.__table__
    assert isinstance(table, Table)
    return table


@functools.cache
def insert_into(model: type[DeclarativeBase]) -> Insert:
    """``INSERT INTO`` ``model``'s table, built once.

    Executed with a dict (one row) or a list of dicts (executemany), the parameters' keys
    give the columns: no ORM object, and no statement to build and cache-key per row.
    """
    return insert(core_table(model))


async def insert_row(session: AsyncSession, model: type[DeclarativeBase], **values: Any) -> int:
    """Insert one row into ``model``'s table; return its primary key."""
    result = await session.execute(insert_into(model), values)
    primary_key = cast(CursorResult[Any], result).inserted_primary_key
    if primary_key is None:  # pragma: no cover - every novalite table has an integer key
        raise RuntimeError(f"no primary key for the new row of {model.__name__}")
    return int(primary_key[0])


async def insert_rows(
    session: AsyncSession, model: type[DeclarativeBase], rows: list[dict[str, Any]]
) -> None:
    """Insert ``rows`` into ``model``'s table in one statement.

    Nothing for an empty list (an empty executemany would insert one row of defaults).
    """
    if rows:
        await session.execute(insert_into(model), rows)

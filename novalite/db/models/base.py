"""What the API and cell schemas share: declarative bases, column types and mixins.

- Two separate metadata (``ApiBase.metadata``, ``CellBase.metadata``): the API
  database and each cell database are migrated on their own.
- A naming convention, so that every constraint and index has the same name on
  SQLite, PostgreSQL and MariaDB and migrations stay deterministic. Unique
  constraints follow nova's ``uniq_<table>0<col>0<col>`` form.
- :class:`UTCDateTime`: datetimes are stored as naive UTC and read back as
  timezone-aware UTC, so the domain only ever sees aware values.
- :class:`TimestampMixin` (``created_at``/``updated_at``) and
  :class:`SoftDeleteMixin` (``deleted_at`` and an integer ``deleted`` that is 0
  for a live row and the row's id once deleted, so that it can take part in
  unique constraints, as in nova).
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import DateTime, Index, Integer, MetaData, Text, UniqueConstraint
from sqlalchemy.dialects import mysql
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.schema import SchemaItem, Table
from sqlalchemy.sql.schema import ColumnCollectionConstraint
from sqlalchemy.types import TypeDecorator, TypeEngine


def utcnow() -> datetime.datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.datetime.now(datetime.UTC)


def _columns_joined_by_zero(constraint: ColumnCollectionConstraint, table: Table) -> str:
    return "0".join(column.name for column in constraint.columns)


#: Constraint and index names, identical on every backend.
NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uniq_%(table_name)s0%(columns_by_zero)s",
    "fk": "%(table_name)s_%(column_0_name)s_fkey",
    "pk": "%(table_name)s_pkey",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "columns_by_zero": _columns_joined_by_zero,
}

#: Table options for MySQL/MariaDB: InnoDB (transactions, foreign keys) and full UTF-8.
MYSQL_TABLE_OPTIONS: dict[str, str] = {"mysql_engine": "InnoDB", "mysql_charset": "utf8mb4"}


def table_args(*items: SchemaItem, **options: str) -> tuple[Any, ...]:
    """``__table_args__`` made of ``items`` plus the MySQL table options (and ``options``)."""
    return (*items, {**MYSQL_TABLE_OPTIONS, **options})


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """A ``DATETIME`` column holding naive UTC; Python sees aware UTC datetimes.

    Aware values are converted to UTC before they are stored; naive values are
    taken to be UTC already.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        """Store as naive UTC."""
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC).replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: datetime.datetime | None, dialect: Dialect
    ) -> datetime.datetime | None:
        """Read back as aware UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value.astimezone(datetime.UTC)


def medium_text() -> TypeEngine[str]:
    """``TEXT``, or ``MEDIUMTEXT`` on MySQL/MariaDB (JSON blobs that outgrow 64 KiB)."""
    return Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")


class ApiBase(DeclarativeBase):
    """Declarative base of the API database's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime.datetime: UTCDateTime()}


class CellBase(DeclarativeBase):
    """Declarative base of a cell database's tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime.datetime: UTCDateTime()}


class TimestampMixin:
    """``created_at`` set on insert and ``updated_at`` set on every update, as in nova."""

    created_at: Mapped[datetime.datetime | None] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(onupdate=utcnow)


class SoftDeleteMixin:
    """Nova's soft delete: ``deleted`` is 0 for a live row and the row's id once deleted."""

    deleted_at: Mapped[datetime.datetime | None] = mapped_column()
    deleted: Mapped[int] = mapped_column(Integer, default=0)


def constraint_columns(name: str) -> tuple[str, ...]:
    """Columns of the unique constraint or unique index called ``name`` (empty if unknown).

    Used to name the columns of a duplicate entry when the driver only gives the
    constraint's name (MySQL/MariaDB).
    """
    for metadata in (ApiBase.metadata, CellBase.metadata):
        for table in metadata.tables.values():
            for constraint in table.constraints:
                if isinstance(constraint, UniqueConstraint) and constraint.name == name:
                    return tuple(column.name for column in constraint.columns)
            for index in table.indexes:
                if isinstance(index, Index) and index.unique and index.name == name:
                    return tuple(column.name for column in index.columns)
    if name.startswith("uniq_") and "0" in name:
        return tuple(name.split("0")[1:])
    return ()

"""Driver exceptions of each backend become the same novalite errors."""

from __future__ import annotations

import sqlite3

import pymysql  # type: ignore[import-untyped]
import pytest
from sqlalchemy import exc as sa_exc

from novalite.db.errors import is_retryable, translate_error
from novalite.errors import (
    DBConnectionError,
    DBDeadlock,
    DBDuplicateEntry,
    DBError,
    DBReferenceError,
    Invalid,
)

PG = "postgresql://nova:s3cret@db/nova"
MYSQL = "mysql+pymysql://nova:s3cret@db/nova"
SQLITE = "sqlite:////tmp/nova.sqlite"


class FakePGError(Exception):
    """Looks like SQLAlchemy's adapted asyncpg error: a ``sqlstate`` and maybe a ``detail``."""

    def __init__(self, message: str, sqlstate: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = self.pgcode = sqlstate
        self.detail = detail


def wrap(
    orig: Exception,
    cls: type[sa_exc.DBAPIError] = sa_exc.OperationalError,
    invalidated: bool = False,
) -> sa_exc.DBAPIError:
    return cls("SELECT 1", {}, orig, connection_invalidated=invalidated)


@pytest.mark.parametrize(
    ("url", "orig", "expected"),
    [
        (PG, FakePGError("deadlock detected", "40P01"), DBDeadlock),
        (PG, FakePGError("could not serialize access", "40001"), DBDeadlock),
        (PG, FakePGError("the database system is shutting down", "57P01"), DBConnectionError),
        (PG, FakePGError("password authentication failed", "28P01"), DBConnectionError),
        (PG, FakePGError("insert or update violates foreign key", "23503"), DBReferenceError),
        (PG, FakePGError("syntax error", "42601"), DBError),
        (MYSQL, pymysql.err.OperationalError(1213, "Deadlock found"), DBDeadlock),
        (MYSQL, pymysql.err.OperationalError(1205, "Lock wait timeout exceeded"), DBDeadlock),
        (
            MYSQL,
            pymysql.err.OperationalError(2006, "MySQL server has gone away"),
            DBConnectionError,
        ),
        (MYSQL, pymysql.err.OperationalError(2003, "Can't connect"), DBConnectionError),
        (
            MYSQL,
            pymysql.err.IntegrityError(1452, "Cannot add or update a child row"),
            DBReferenceError,
        ),
        (MYSQL, pymysql.err.ProgrammingError(1064, "You have an error in your SQL"), DBError),
        (SQLITE, sqlite3.OperationalError("database is locked"), DBDeadlock),
        (SQLITE, sqlite3.IntegrityError("FOREIGN KEY constraint failed"), DBReferenceError),
        (SQLITE, sqlite3.OperationalError("unable to open database file"), DBConnectionError),
        (SQLITE, sqlite3.OperationalError("no such table: foo"), DBError),
    ],
)
def test_classification(url: str, orig: Exception, expected: type[DBError]) -> None:
    error = translate_error(wrap(orig), url)
    assert type(error) is expected
    assert is_retryable(error) == (expected in (DBDeadlock, DBConnectionError))


def test_duplicate_on_postgresql_names_columns() -> None:
    orig = FakePGError(
        "duplicate key value violates unique constraint",
        "23505",
        detail='Key (host, "binary", deleted)=(h1, nova-compute, 0) already exists.',
    )
    error = translate_error(wrap(orig, sa_exc.IntegrityError), PG)
    assert isinstance(error, DBDuplicateEntry)
    assert error.kwargs["columns"] == ["host", "binary", "deleted"]
    assert error.kwargs["value"] == "h1, nova-compute, 0"


@pytest.mark.parametrize(
    "key", ["uniq_services0host0binary0deleted", "services.uniq_services0host0binary0deleted"]
)
def test_duplicate_on_mysql_names_columns_from_the_constraint(key: str) -> None:
    orig = pymysql.err.IntegrityError(1062, f"Duplicate entry 'h1-nova-compute-0' for key '{key}'")
    error = translate_error(wrap(orig, sa_exc.IntegrityError), MYSQL)
    assert isinstance(error, DBDuplicateEntry)
    assert error.kwargs["columns"] == ["host", "binary", "deleted"]
    assert error.kwargs["constraint"] == "uniq_services0host0binary0deleted"


def test_duplicate_on_sqlite_names_columns() -> None:
    orig = sqlite3.IntegrityError("UNIQUE constraint failed: services.host, services.binary")
    error = translate_error(wrap(orig, sa_exc.IntegrityError), SQLITE)
    assert isinstance(error, DBDuplicateEntry)
    assert error.kwargs["columns"] == ["host", "binary"]


def test_invalidated_connection_is_a_connection_error() -> None:
    orig = FakePGError("connection was closed in the middle of operation", "")
    error = translate_error(wrap(orig, invalidated=True), PG)
    assert isinstance(error, DBConnectionError) and is_retryable(error)


def test_connection_errors_mask_the_password() -> None:
    orig = pymysql.err.OperationalError(1045, "Access denied (password s3cret)")
    error = translate_error(wrap(orig), MYSQL)
    assert isinstance(error, DBConnectionError)
    assert "s3cret" not in str(error)
    assert "mysql+pymysql://nova:***@db/nova" in str(error)
    oserror = translate_error(ConnectionRefusedError(111, "refused by s3cret"), PG)
    assert isinstance(oserror, DBConnectionError) and "s3cret" not in str(oserror)


def test_novalite_errors_pass_through() -> None:
    error = Invalid(reason="x")
    assert translate_error(error, PG) is error
    assert not is_retryable(error)

"""Translate driver and SQLAlchemy exceptions into novalite's database errors.

Each backend reports the same failure differently: PostgreSQL by SQLSTATE,
MySQL/MariaDB by error number, SQLite by message. :func:`translate_error` turns
them into :class:`~novalite.errors.DBDuplicateEntry` (naming the columns),
:class:`~novalite.errors.DBReferenceError`, :class:`~novalite.errors.DBDeadlock`
(deadlocks, serialization failures, lock timeouts, SQLite's "database is locked"),
:class:`~novalite.errors.DBConnectionError` (the URL's password masked) or
:class:`~novalite.errors.DBError`.
"""

from __future__ import annotations

import re

from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL

from novalite.db import urls
from novalite.db.models.base import constraint_columns
from novalite.errors import (
    DBConnectionError,
    DBDeadlock,
    DBDuplicateEntry,
    DBError,
    DBReferenceError,
    NovaliteError,
)

_PG_DEADLOCK = {"40P01", "40001"}  # deadlock_detected, serialization_failure
#: connection exceptions, auth, unknown database, resources, shutdown
_PG_CONNECTION_CLASSES = ("08", "28", "3D000", "53", "57P")
_MYSQL_DUPLICATE = {1062, 1586}
_MYSQL_REFERENCE = {1216, 1217, 1451, 1452}
_MYSQL_DEADLOCK = {1205, 1213}  # lock wait timeout, deadlock
_MYSQL_CONNECTION = {  # too many connections, access denied, unknown database, server gone ...
    1040,
    1044,
    1045,
    1047,
    1049,
    1053,
    1077,
    1152,
    1927,
    2002,
    2003,
    2005,
    2006,
    2013,
    2055,
    4031,
}

_PG_KEY_RE = re.compile(r"Key \((?P<cols>.+?)\)=\((?P<value>.*)\) already exists")
_MYSQL_DUP_RE = re.compile(r"Duplicate entry '(?P<value>.*)' for key '(?:[^'.]+\.)?(?P<key>[^']+)'")
_SQLITE_UNIQUE_RE = re.compile(r"UNIQUE constraint failed: (?P<cols>.+)$")


def translate_error(exc: BaseException, url: str | URL) -> NovaliteError:
    """Return the novalite error for ``exc`` raised while using the database at ``url``.

    Novalite errors are returned unchanged. No returned message contains the
    URL's password.
    """
    if isinstance(exc, NovaliteError):
        return exc
    masked_url = urls.mask_url(url)
    reason = urls.mask_text(_first_line(exc), url)
    if isinstance(exc, sa_exc.DBAPIError):
        if exc.connection_invalidated:
            return DBConnectionError(url=masked_url, reason=reason)
        backend = urls.parse(url).get_backend_name()
        orig = exc.orig
        if backend == "postgresql":
            return _from_postgresql(orig, masked_url, reason)
        if backend in {"mysql", "mariadb"}:
            return _from_mysql(orig, masked_url, reason)
        if backend == "sqlite":
            return _from_sqlite(orig, masked_url, reason)
        return DBError(reason=reason)
    if isinstance(exc, sa_exc.TimeoutError):
        return DBError(reason=f"no free connection in the pool: {reason}")
    if isinstance(exc, OSError):  # includes TimeoutError, ConnectionRefusedError, gaierror
        return DBConnectionError(url=masked_url, reason=reason or type(exc).__name__)
    return DBError(reason=reason or type(exc).__name__)


def is_retryable(exc: BaseException) -> bool:
    """True for failures after which re-running the whole transaction may succeed."""
    return isinstance(exc, DBDeadlock | DBConnectionError)


def _first_line(exc: BaseException) -> str:
    if isinstance(exc, sa_exc.DBAPIError) and exc.orig is not None:
        text = str(exc.orig)
    else:
        text = str(exc)
    return text.strip().splitlines()[0] if text.strip() else ""


def _duplicate(
    reason: str, columns: list[str], constraint: str | None, value: str | None
) -> DBDuplicateEntry:
    cols = ", ".join(columns) if columns else constraint or "unknown key"
    return DBDuplicateEntry(
        reason=f"({cols}) must be unique: {reason}",
        columns=columns,
        constraint=constraint,
        value=value,
    )


def _from_postgresql(orig: BaseException | None, url: str, reason: str) -> DBError:
    code = str(getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None) or "")
    if code == "23505":
        driver_exc = _driver_exception(orig)
        constraint = getattr(driver_exc, "constraint_name", None)
        detail = getattr(orig, "detail", None) or getattr(driver_exc, "detail", None) or ""
        match = _PG_KEY_RE.search(detail)
        columns = [c.strip().strip('"') for c in match.group("cols").split(",")] if match else []
        if not columns and constraint:
            columns = list(constraint_columns(constraint))
        return _duplicate(reason, columns, constraint, match.group("value") if match else None)
    if code == "23503":
        return DBReferenceError(reason=reason)
    if code in _PG_DEADLOCK:
        return DBDeadlock(reason=reason, sqlstate=code)
    if code.startswith(_PG_CONNECTION_CLASSES) or (not code and _looks_like_connect_failure(orig)):
        return DBConnectionError(url=url, reason=reason)
    return DBError(reason=reason)


def _from_mysql(orig: BaseException | None, url: str, reason: str) -> DBError:
    args = getattr(orig, "args", ())
    errno = args[0] if args and isinstance(args[0], int) else None
    if errno in _MYSQL_DUPLICATE:
        match = _MYSQL_DUP_RE.search(reason)
        constraint = match.group("key") if match else None
        columns = list(constraint_columns(constraint)) if constraint else []
        return _duplicate(reason, columns, constraint, match.group("value") if match else None)
    if errno in _MYSQL_REFERENCE:
        return DBReferenceError(reason=reason)
    if errno in _MYSQL_DEADLOCK:
        return DBDeadlock(reason=reason, errno=errno)
    if errno in _MYSQL_CONNECTION or (errno is None and _looks_like_connect_failure(orig)):
        return DBConnectionError(url=url, reason=reason)
    return DBError(reason=reason)


def _from_sqlite(orig: BaseException | None, url: str, reason: str) -> DBError:
    message = str(orig) if orig is not None else reason
    match = _SQLITE_UNIQUE_RE.search(message)
    if match:
        columns = [c.strip().rpartition(".")[2] for c in match.group("cols").split(",")]
        return _duplicate(reason, columns, None, None)
    if "FOREIGN KEY constraint failed" in message:
        return DBReferenceError(reason=reason)
    if "database is locked" in message or "database table is locked" in message:
        return DBDeadlock(reason=reason)
    if "unable to open database file" in message:
        return DBConnectionError(url=url, reason=reason)
    return DBError(reason=reason)


def _driver_exception(orig: BaseException | None) -> BaseException | None:
    """The driver's own exception behind SQLAlchemy's adapted DBAPI error, if any."""
    inner = getattr(orig, "orig", None)
    if isinstance(inner, BaseException):
        return inner
    if orig is not None and orig.__cause__ is not None:
        return orig.__cause__
    return orig


def _looks_like_connect_failure(orig: BaseException | None) -> bool:
    driver_exc = _driver_exception(orig)
    return isinstance(driver_exc, OSError) or isinstance(orig, OSError)

"""Per-backend engine set-up: pool and connect arguments, and per-connection settings.

- SQLite: WAL journal (readers never block the writer), ``foreign_keys=ON``, a
  busy timeout, and explicit transactions: novalite emits ``BEGIN`` itself, and
  ``BEGIN IMMEDIATE`` for writers, so that a writer takes SQLite's single write
  lock up front (waiting up to the busy timeout) instead of failing half-way
  when it upgrades a read lock. SQLite has one writer at a time: keep write
  transactions short.
- MySQL/MariaDB: ``sql_mode`` on every connection, a connect timeout.
- PostgreSQL: a connect timeout.
"""

from __future__ import annotations

import asyncio
import logging
import pathlib
import weakref
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry, StaticPool

from novalite.db import sqlite_driver
from novalite.db.options import DatabaseOptions

#: Execution option marking connections opened for writing (SQLite: BEGIN IMMEDIATE).
WRITER_OPTION = "novalite_writer"
#: Execution option marking a migration's connection (SQLite: foreign keys off meanwhile).
MIGRATION_OPTION = "novalite_migration"
_FK_OFF = "novalite_foreign_keys_off"


def is_sqlite_memory(url: URL) -> bool:
    """True for an in-memory SQLite URL (``sqlite://`` or ``sqlite:///:memory:``)."""
    return url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:")


def prepare_sqlite_file(url: URL) -> None:
    """Create the parent directory of a SQLite database file (OSError if impossible)."""
    if url.get_backend_name() != "sqlite" or is_sqlite_memory(url):
        return
    database = url.database or ""
    if database.startswith("file:"):  # URI filenames: leave them to SQLite
        return
    pathlib.Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)


_WRITE_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def sqlite_file_key(url: URL) -> str | None:
    """The resolved path of a SQLite database file (``None`` for other backends and memory)."""
    if url.get_backend_name() != "sqlite" or is_sqlite_memory(url):
        return None
    return str(pathlib.Path(url.database or "").expanduser().resolve())


def sqlite_write_lock(path: str | None) -> asyncio.Lock | None:
    """The process's lock for writing to the SQLite file at ``path`` (from
    :func:`sqlite_file_key`; ``None`` for other backends).

    SQLite has one writer at a time and makes the others poll with growing sleeps
    (its busy handler), which wastes most of the time under contention. Writers of
    one process (the all-in-one) queue on this lock instead and take SQLite's
    write lock only when it is theirs.
    """
    if path is None:
        return None
    locks = _WRITE_LOCKS.setdefault(asyncio.get_running_loop(), {})
    lock = locks.get(path)
    if lock is None:
        lock = locks[path] = asyncio.Lock()
    return lock


def engine_kwargs(url: URL, options: DatabaseOptions) -> dict[str, Any]:
    """Keyword arguments for ``create_async_engine`` for ``url``."""
    backend = url.get_backend_name()
    kwargs: dict[str, Any] = {"pool_pre_ping": options.pool_pre_ping}
    if backend == "sqlite":
        kwargs["pool_pre_ping"] = False  # a file: no connection to lose
        kwargs["module"] = sqlite_driver.dbapi()
        kwargs["connect_args"] = {"timeout": options.sqlite_busy_timeout}
        if is_sqlite_memory(url):
            kwargs["poolclass"] = StaticPool
            kwargs["connect_args"]["check_same_thread"] = False
            return kwargs
    elif backend == "postgresql":
        kwargs["connect_args"] = {"timeout": options.connect_timeout}
    elif backend in {"mysql", "mariadb"}:
        kwargs["connect_args"] = {"connect_timeout": max(1, round(options.connect_timeout))}
    if options.max_pool_size is not None:
        kwargs["pool_size"] = options.max_pool_size
    if options.max_overflow is not None:
        kwargs["max_overflow"] = options.max_overflow
    if options.pool_timeout is not None:
        kwargs["pool_timeout"] = options.pool_timeout
    kwargs["pool_recycle"] = options.connection_recycle_time
    return kwargs


def install(engine: AsyncEngine, options: DatabaseOptions) -> None:
    """Attach the per-connection settings of the engine's backend."""
    backend = engine.url.get_backend_name()
    if backend == "sqlite":
        _install_sqlite(engine, options)
    elif backend in {"mysql", "mariadb"} and options.mysql_sql_mode:
        _install_mysql(engine, options.mysql_sql_mode)
    _configure_logging(options.connection_debug)


def _install_sqlite(engine: AsyncEngine, options: DatabaseOptions) -> None:
    busy_ms = int(options.sqlite_busy_timeout * 1000)
    synchronous = "FULL" if options.sqlite_synchronous else "OFF"

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        # Take transaction control away from the driver: _on_begin emits BEGIN.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
            cursor.execute(f"PRAGMA synchronous={synchronous}")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        execution_options = connection.get_execution_options()
        if execution_options.get(MIGRATION_OPTION, False):
            # Only effective outside a transaction; turned back on at check-in.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.connection.info[_FK_OFF] = True
        writer = execution_options.get(WRITER_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")

    @event.listens_for(engine.sync_engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        if dbapi_connection is not None and record.info.pop(_FK_OFF, False):
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("PRAGMA foreign_keys=ON")
            finally:
                cursor.close()


def _install_mysql(engine: AsyncEngine, sql_mode: str) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SET SESSION sql_mode = %s", (sql_mode,))
        finally:
            cursor.close()


def _configure_logging(connection_debug: int) -> None:
    """oslo.db's ``connection_debug``: >= 50 logs SQL, >= 100 logs result rows too."""
    if connection_debug >= 100:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.DEBUG)
    elif connection_debug >= 50:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)

"""The asyncio SQLite driver: aiosqlite, with at most one thread round trip per statement.

SQLAlchemy's aiosqlite adapter makes four trips between the event loop and the
connection's thread for every statement (open a cursor, execute, fetch the rows, close
the cursor). Each trip waits for the event loop to come round, so on a busy loop a write
transaction holds SQLite's single write lock for far longer than SQLite works in it.

Here:

* a statement is one call in the connection's thread (execute, fetch, close), which
  keeps the rows, the description, ``rowcount`` and ``lastrowid``;
* what cannot wait for a lock or for the disk to sync runs on the event loop's thread,
  without a trip: a deferred ``BEGIN`` (it only leaves autocommit), ``ROLLBACK`` (in
  WAL mode it drops the transaction's changes without writing), and every statement of
  a write transaction once its ``BEGIN IMMEDIATE`` has returned: the transaction holds
  SQLite's write lock, so no lock makes it wait, and its changes are written out at
  ``COMMIT``. Such a statement may still read a page the OS has not cached, as any read
  may; novalite's databases are small enough to stay in the OS's cache, and this way
  the write lock, which every other writer of the file waits for, is held for the
  least time. A trip costs more CPU than these statements (bench/sqlite_statement.py).
  ``BEGIN IMMEDIATE`` (which may wait for another process's writer), ``COMMIT`` (which
  may sync the disk) and the statements of read transactions (nobody waits for them,
  and SQLite produces large results without holding Python's GIL) go to the thread.

Engines get it through ``create_async_engine(..., module=dbapi())``
(:func:`novalite.db.dialects.engine_kwargs`); everything else is SQLAlchemy's adapter.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

#: (description, rows, rowcount, lastrowid) of one executed statement.
_Outcome = tuple[Any, list[Any], int, int | None]


def _run(connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    """Execute ``operation`` and fetch its rows: runs in the connection's thread."""
    cursor = connection._conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        elif parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, rows, cursor.rowcount, cursor.lastrowid
    finally:
        cursor.close()


async def _run_here(
    connection: aiosqlite.Connection, operation: str, parameters: Any, many: bool
) -> _Outcome:
    """:func:`_run` on the event loop's thread, awaited like a trip (SQLAlchemy's async
    connection insists that its statements await) though it never suspends."""
    return _run(connection, operation, parameters, many)


def _starts_write(operation: Any) -> bool:
    return isinstance(operation, str) and operation.startswith("BEGIN IMMEDIATE")


def _ends_transaction(operation: str) -> bool:
    """``ROLLBACK`` ends the transaction; ``ROLLBACK TO <savepoint>`` does not."""
    return operation.startswith("ROLLBACK") and not operation.startswith("ROLLBACK TO")


def _never_waits(operation: Any, holds_write_lock: bool) -> bool:
    """Whether ``operation`` runs on the event loop's thread (see the module's doc)."""
    if not isinstance(operation, str):
        return False
    if operation == "BEGIN" or operation.startswith("ROLLBACK"):
        return True
    return holds_write_lock and not operation.startswith("COMMIT")


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statements cost one trip to the connection's thread."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")

    def __init__(self, adapt_connection: AsyncAdapt_aiosqlite_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        self._call(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        self._call(operation, seq_of_parameters, many=True)

    def _call(self, operation: Any, parameters: Any, *, many: bool) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        adapted: OneTripConnection = self._adapt_connection  # type: ignore[assignment]
        try:
            if _never_waits(operation, adapted.holds_write_lock):
                adapted.holds_write_lock &= not _ends_transaction(operation)
                outcome = await_(_run_here(connection, operation, parameters, many))
            else:
                adapted.holds_write_lock = False
                outcome = await_(
                    connection._execute(  # type: ignore[no-untyped-call]
                        _run, connection, operation, parameters, many
                    )
                )
                adapted.holds_write_lock = _starts_write(operation)
        except Exception as error:
            adapted._handle_exception(error)
        self._description, rows, self._rowcount, self._lastrowid = outcome
        self._rows = collections.deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close in the thread: the statement's cursor is already closed."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    """SQLAlchemy's aiosqlite connection adapter with :class:`OneTripCursor`.

    ``holds_write_lock`` is true between a successful ``BEGIN IMMEDIATE`` and the end of
    that transaction.
    """

    __slots__ = ("holds_write_lock",)
    _cursor_cls = OneTripCursor  # type: ignore[assignment]

    def __init__(self, dbapi: Any, connection: Any) -> None:
        super().__init__(dbapi, connection)
        self.holds_write_lock = False

    def commit(self) -> None:
        self.holds_write_lock = False
        if self._in_transaction():
            super().commit()

    def rollback(self) -> None:
        self.holds_write_lock = False
        if self._in_transaction():
            try:
                self._connection._conn.rollback()
            except Exception as error:
                self._handle_exception(error)

    def _in_transaction(self) -> bool:
        """Whether SQLite has a transaction open (the pool's reset after a COMMIT has none:
        no trip for it)."""
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        return connection._connection is not None and connection._conn.in_transaction


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module, handing out :class:`OneTripConnection`."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        # Write transactions use the connection from the event loop's thread too; never
        # from two threads at once (each call waits for the one before).
        kw["check_same_thread"] = False
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    """The DBAPI module to give ``create_async_engine(module=...)`` for SQLite URLs."""
    return OneTripDBAPI(aiosqlite, sqlite3)

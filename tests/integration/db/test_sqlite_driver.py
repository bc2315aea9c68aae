"""The one-trip SQLite driver (:mod:`novalite.db.sqlite_driver`) behind ``Database``.

Each statement is one call in aiosqlite's thread (``aiosqlite.Connection._execute``),
except what cannot wait (a deferred ``BEGIN``, ``ROLLBACK``, and the statements of a
write transaction once its ``BEGIN IMMEDIATE`` returned), which runs on the event
loop's thread. These tests count the trips and check that both paths give the same
results and errors.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.engine import CursorResult
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db import sqlite_driver
from novalite.db.engine import Database
from novalite.errors import DBDuplicateEntry


@pytest.fixture
async def db(tmp_path: object) -> AsyncIterator[Database]:
    """A SQLite file database with a table ``t`` (id, v) and a one-row ``counter``."""
    database = Database(f"sqlite:///{tmp_path}/t.db")
    async with database.writer() as session:
        await session.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        await session.execute(text("CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER)"))
        await session.execute(text("INSERT INTO counter (id, n) VALUES (1, 0)"))
    try:
        yield database
    finally:
        await database.dispose()


class Trips:
    """Records every call queued to an aiosqlite connection's thread."""

    def __init__(self) -> None:
        #: One label per trip: the statement for :func:`sqlite_driver._run`, else the
        #: name of the function sent to the thread (``commit``, ``rollback``, ...).
        self.calls: list[str] = []

    def label(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
        if fn is sqlite_driver._run:
            return str(args[1])
        return str(getattr(fn, "__name__", fn))


@pytest.fixture
def trips(monkeypatch: pytest.MonkeyPatch) -> Trips:
    """Count ``aiosqlite.Connection._execute`` calls (delegating to the original)."""
    recorded = Trips()
    original: Any = getattr(aiosqlite.Connection, "_execute")  # noqa: B009 (untyped)

    async def counting(
        self: aiosqlite.Connection, fn: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> Any:
        recorded.calls.append(recorded.label(fn, args))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    return recorded


async def _adapted(session: AsyncSession) -> sqlite_driver.OneTripConnection:
    """The driver's connection adapter under ``session``."""
    raw = await (await session.connection()).get_raw_connection()
    adapted = raw.dbapi_connection
    assert isinstance(adapted, sqlite_driver.OneTripConnection)
    return adapted


async def _values(db: Database) -> list[str]:
    async with db.reader() as session:
        return [str(v) for v in (await session.scalars(text("SELECT v FROM t ORDER BY id")))]


# -- thread trips -----------------------------------------------------------------------------


async def test_writer_makes_two_trips_whatever_its_statements(db: Database, trips: Trips) -> None:
    """Two trips: ``BEGIN IMMEDIATE`` (which may wait for another process's writer) and
    the commit (which may sync the disk). The three statements in between run on the
    event loop's thread: the transaction already holds SQLite's write lock."""
    async with db.writer() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('a')"))
        await session.execute(text("INSERT INTO t (v) VALUES ('b')"))
        rows = (await session.execute(text("SELECT v FROM t ORDER BY id"))).all()
    assert [tuple(row) for row in rows] == [("a",), ("b",)]
    assert trips.calls == ["BEGIN IMMEDIATE", "commit"]


async def test_writer_statements_run_on_the_event_loop_thread(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside a writer the statements run in the loop's thread; in a reader in aiosqlite's."""
    threads: dict[str, str] = {}
    original = sqlite_driver._run

    def recording(connection: Any, operation: str, parameters: Any, many: bool) -> Any:
        threads[operation] = threading.current_thread().name
        return original(connection, operation, parameters, many)

    monkeypatch.setattr(sqlite_driver, "_run", recording)
    loop_thread = threading.current_thread().name
    async with db.writer() as session:
        await session.execute(text("SELECT 'in writer'"))
    async with db.reader() as session:
        await session.execute(text("SELECT 'in reader'"))
    assert threads["SELECT 'in writer'"] == loop_thread
    assert threads["SELECT 'in reader'"] != loop_thread
    assert threads["BEGIN IMMEDIATE"] != loop_thread


async def test_rollback_to_savepoint_keeps_the_write_lock(db: Database, trips: Trips) -> None:
    """``ROLLBACK TO SAVEPOINT`` undoes the savepoint's work but not the transaction: the
    statements after it still run on the loop's thread and the outer work is committed."""
    async with db.writer() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('kept')"))
        savepoint = await session.begin_nested()
        await session.execute(text("INSERT INTO t (v) VALUES ('undone')"))
        await savepoint.rollback()
        assert (await _adapted(session)).holds_write_lock
        await session.execute(text("INSERT INTO t (v) VALUES ('after')"))
    assert trips.calls == ["BEGIN IMMEDIATE", "commit"]
    assert await _values(db) == ["kept", "after"]


async def test_reader_makes_one_trip_per_statement(db: Database, trips: Trips) -> None:
    """Two trips for two SELECTs: each statement of a read transaction goes to the thread
    (it may read pages from disk); its deferred ``BEGIN`` (which only leaves autocommit)
    and the closing ``ROLLBACK`` (which drops nothing but memory in WAL mode) run on the
    event loop's thread, so they add none."""
    async with db.reader() as session:
        count = await session.scalar(text("SELECT count(*) FROM t"))
        n = await session.scalar(text("SELECT n FROM counter"))
    assert (count, n) == (0, 0)
    assert trips.calls == ["SELECT count(*) FROM t", "SELECT n FROM counter"]


async def test_failed_writer_makes_one_trip(db: Database, trips: Trips) -> None:
    """One trip: ``BEGIN IMMEDIATE``. The INSERT runs inline and the ROLLBACK does too
    (nothing to wait for), and there is no commit."""
    with pytest.raises(ValueError, match="changed my mind"):
        async with db.writer() as session:
            await session.execute(text("INSERT INTO t (v) VALUES ('a')"))
            raise ValueError("changed my mind")
    assert trips.calls == ["BEGIN IMMEDIATE"]


async def test_empty_writer_makes_no_trip(db: Database, trips: Trips) -> None:
    """No statement, so no transaction was begun: neither BEGIN nor commit travels."""
    async with db.writer():
        pass
    assert trips.calls == []


# -- results through both paths ---------------------------------------------------------------


async def test_rowcount_and_lastrowid_inside_writer(db: Database) -> None:
    async with db.writer() as session:
        first = await session.execute(text("INSERT INTO t (v) VALUES ('a')"))
        second = await session.execute(text("INSERT INTO t (v) VALUES ('b')"))
        assert isinstance(first, CursorResult) and isinstance(second, CursorResult)
        assert first.lastrowid == 1 and second.lastrowid == 2
        updated = await session.execute(text("UPDATE t SET v = v || '!' WHERE id IN (1, 2)"))
        assert isinstance(updated, CursorResult)
        assert updated.rowcount == 2
        none = await session.execute(text("UPDATE t SET v = 'x' WHERE id = 99"))
        assert isinstance(none, CursorResult)
        assert none.rowcount == 0
    assert await _values(db) == ["a!", "b!"]


async def test_rowcount_in_a_threaded_transaction(db: Database) -> None:
    """The same through the thread: a Core connection whose transaction is a plain BEGIN."""
    async with db.writer() as session:
        await session.execute(text("INSERT INTO t (v) VALUES ('a'), ('b'), ('c')"))
    async with db.connection(write=False) as connection:
        updated = await connection.execute(text("UPDATE t SET v = 'z' WHERE id <= 2"))
        assert updated.rowcount == 2
        await connection.commit()
    assert await _values(db) == ["z", "z", "c"]


async def test_select_results_equal_inline_and_threaded(db: Database) -> None:
    async with db.writer() as session:
        await session.execute(
            text("INSERT INTO t (id, v) VALUES (:id, :v)"),
            [{"id": 1, "v": "one"}, {"id": 2, "v": None}, {"id": 3, "v": "three"}],
        )
    query = text("SELECT id, v, length(v) AS n FROM t ORDER BY id DESC")
    async with db.writer() as session:
        inline = await session.execute(query)
        inline_keys = list(inline.keys())
        inline_rows = [tuple(row) for row in inline]
    async with db.reader() as session:
        threaded = await session.execute(query)
        threaded_keys = list(threaded.keys())
        threaded_rows = [tuple(row) for row in threaded]
    assert inline_rows == [(3, "three", 5), (2, None, None), (1, "one", 3)]
    assert threaded_rows == inline_rows
    assert inline_keys == threaded_keys == ["id", "v", "n"]


async def test_empty_results_inline(db: Database) -> None:
    async with db.writer() as session:
        result = await session.execute(text("SELECT id, v FROM t"))
        assert list(result.keys()) == ["id", "v"]
        assert result.all() == []
        assert await session.scalar(text("SELECT v FROM t WHERE id = 1")) is None


async def test_executemany_inside_writer(db: Database) -> None:
    async with db.writer() as session:
        result = await session.execute(
            text("INSERT INTO t (v) VALUES (:v)"), [{"v": "a"}, {"v": "b"}, {"v": "c"}]
        )
        assert isinstance(result, CursorResult)
        assert result.rowcount == 3
        assert await session.scalar(text("SELECT count(*) FROM t")) == 3
    assert await _values(db) == ["a", "b", "c"]


# -- errors and rollbacks ---------------------------------------------------------------------


async def test_duplicate_inside_writer_is_translated_and_rolled_back(db: Database) -> None:
    async with db.writer() as session:
        await session.execute(text("INSERT INTO t (id, v) VALUES (1, 'a')"))

    with pytest.raises(DBDuplicateEntry):
        async with db.writer() as session:
            await session.execute(text("INSERT INTO t (id, v) VALUES (2, 'b')"))
            await session.execute(text("INSERT INTO t (id, v) VALUES (1, 'again')"))
    assert await _values(db) == ["a"]

    async with db.writer() as session:
        adapted = await _adapted(session)
        assert adapted.holds_write_lock is True
        await session.execute(text("INSERT INTO t (id, v) VALUES (2, 'c')"))
    assert adapted.holds_write_lock is False
    assert await _values(db) == ["a", "c"]


async def test_writer_body_error_rolls_back(db: Database) -> None:
    with pytest.raises(ValueError, match="boom"):
        async with db.writer() as session:
            adapted = await _adapted(session)
            await session.execute(text("INSERT INTO t (v) VALUES ('lost')"))
            assert adapted.holds_write_lock is True
            raise ValueError("boom")
    assert adapted.holds_write_lock is False
    assert await _values(db) == []

    async with db.writer() as session:
        assert await _adapted(session) is adapted  # the same (only) pooled connection
        await session.execute(text("INSERT INTO t (v) VALUES ('kept')"))
    assert adapted.holds_write_lock is False
    assert await _values(db) == ["kept"]


async def test_reader_never_holds_the_write_lock(db: Database) -> None:
    async with db.reader() as session:
        adapted = await _adapted(session)
        await session.execute(text("SELECT 1"))
        assert adapted.holds_write_lock is False


# -- concurrency ------------------------------------------------------------------------------


async def test_concurrent_writers_serialise(db: Database) -> None:
    """Read-modify-write in 20 concurrent writers: none of the increments is lost."""

    async def increment() -> None:
        async with db.writer() as session:
            n = await session.scalar(text("SELECT n FROM counter WHERE id = 1"))
            await asyncio.sleep(0)  # let the others try to get in between
            await session.execute(text("UPDATE counter SET n = :n WHERE id = 1"), {"n": n + 1})

    await asyncio.gather(*(increment() for _ in range(20)))
    async with db.reader() as session:
        assert await session.scalar(text("SELECT n FROM counter WHERE id = 1")) == 20


async def test_concurrent_writers_and_readers(db: Database) -> None:
    """Readers (through the thread) running alongside writers (inline) see whole rows."""

    async def write(n: int) -> None:
        async with db.writer() as session:
            await session.execute(text("INSERT INTO t (v) VALUES (:v)"), {"v": f"w{n}"})

    async def read() -> int:
        async with db.reader() as session:
            return int(await session.scalar(text("SELECT count(*) FROM t")) or 0)

    results = await asyncio.gather(*(write(n) for n in range(10)), *(read() for _ in range(10)))
    assert all(isinstance(count, int) and 0 <= count <= 10 for count in results[10:])
    assert sorted(await _values(db)) == sorted(f"w{n}" for n in range(10))

"""``Database`` construction and fail-fast connection checks (no database server needed)."""

from __future__ import annotations

import asyncio
import pathlib
import time

import pytest
from sqlalchemy import text

from novalite.db.engine import Database
from novalite.db.options import DatabaseOptions
from novalite.db.registry import DatabaseRegistry
from novalite.errors import DBConnectionError

SECRET = "s3cr3t-pw"


@pytest.mark.parametrize(
    "url",
    [
        f"postgresql://postgres:{SECRET}@127.0.0.1:1/x",
        f"mysql+pymysql://root:{SECRET}@127.0.0.1:1/x?charset=utf8mb4",
    ],
)
async def test_unreachable_database_fails_fast_without_password(url: str) -> None:
    db = Database(url)
    started = time.monotonic()
    with pytest.raises(DBConnectionError) as excinfo:
        await db.check_connection(timeout=5)
    assert time.monotonic() - started < 2
    message = str(excinfo.value)
    assert SECRET not in message and SECRET not in repr(excinfo.value)
    assert "***@127.0.0.1:1/x" in message
    assert "\n" not in message
    await db.dispose()


async def test_unreachable_database_without_password() -> None:
    db = Database("postgresql://postgres@127.0.0.1:1/x")
    with pytest.raises(DBConnectionError, match=r"postgresql://postgres@127\.0\.0\.1:1/x"):
        await db.check_connection()


async def test_silent_server_times_out() -> None:
    """A server that accepts the connection and never answers: the check's timeout applies."""

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # never answer; wait for the client to go away
        writer.close()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    db = Database(f"postgresql://postgres:{SECRET}@127.0.0.1:{port}/x")
    try:
        started = time.monotonic()
        with pytest.raises(DBConnectionError, match=r"no answer within 0\.3s") as excinfo:
            await db.check_connection(timeout=0.3)
        assert time.monotonic() - started < 2
        assert SECRET not in str(excinfo.value)
    finally:
        await db.dispose()
        server.close()
        await server.wait_closed()


async def test_sqlite_directory_is_created(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "a" / "b" / "nova.sqlite"
    async with Database(f"sqlite:///{path}") as db:
        await db.check_connection()
        assert db.backend == "sqlite"
    assert path.exists()


async def test_sqlite_directory_that_cannot_be_created(tmp_path: pathlib.Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(DBConnectionError, match="directory"):
        Database(f"sqlite:///{blocker}/sub/nova.sqlite")


async def test_pool_options_are_applied() -> None:
    options = DatabaseOptions(max_pool_size=7, max_overflow=3, pool_timeout=4)
    db = Database("postgresql://nova:pw@127.0.0.1:1/nova", options)
    pool = db.engine.pool
    assert (pool.size(), pool._max_overflow, pool._timeout) == (7, 3, 4)  # type: ignore[attr-defined]
    assert db.retry_policy.max_retries == options.db_max_retries
    assert repr(db) == "<Database postgresql+asyncpg://nova:***@127.0.0.1:1/nova>"
    await db.dispose()


async def test_registry_shares_one_database_per_url(tmp_path: pathlib.Path) -> None:
    registry = DatabaseRegistry()
    a = registry.get(f"sqlite:///{tmp_path}/cell1.sqlite")
    assert registry.get(f"sqlite+pysqlite:///{tmp_path}/cell1.sqlite") is a
    b = registry.get(f"sqlite:///{tmp_path}/cell2.sqlite")
    assert b is not a and len(registry) == 2 and list(registry) == [a, b]
    await registry.dispose_all()
    assert len(registry) == 0


async def test_writers_of_one_sqlite_file_take_turns_in_process(tmp_path: pathlib.Path) -> None:
    """Two Database objects on one file share the process's writer queue; 20 concurrent
    writers all commit, in turn, without SQLite's busy polling."""
    url = f"sqlite:///{tmp_path}/turns.sqlite"
    first, second = Database(url), Database(url)
    try:
        async with first.writer() as session:
            await session.execute(text("CREATE TABLE t (n INTEGER)"))
        inside = 0
        most = 0

        async def write(db: Database, n: int) -> None:
            nonlocal inside, most
            async with db.writer() as session:
                inside += 1
                most = max(most, inside)
                await session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
                await asyncio.sleep(0.005)
                inside -= 1

        await asyncio.gather(*(write(first if n % 2 else second, n) for n in range(20)))
        async with first.reader() as session:
            assert (await session.execute(text("SELECT count(*) FROM t"))).scalar() == 20
        assert most == 1
    finally:
        await first.dispose()
        await second.dispose()

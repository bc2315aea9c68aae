"""``Database`` transactions, error translation and retries on real databases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db.engine import Database
from novalite.db.models import cell as models
from novalite.db.options import DatabaseOptions
from novalite.errors import DBDuplicateEntry, DBReferenceError, Invalid
from tests.integration.db.conftest import FAST

SERVER_BACKENDS = [
    pytest.param("postgresql", marks=pytest.mark.postgresql),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


async def _count_services(db: Database) -> int:
    async with db.reader() as session:
        return int(await session.scalar(select(func.count()).select_from(models.Service)) or 0)


def _service(host: str, binary: str = "nova-compute") -> models.Service:
    return models.Service(host=host, binary=binary, topic=None, report_count=0)


async def test_writer_commits_and_rolls_back(db: Database) -> None:
    async with db.writer() as session:
        session.add(_service("h1"))
    assert await _count_services(db) == 1

    with pytest.raises(Invalid):
        async with db.writer() as session:
            session.add(_service("h2"))
            await session.flush()
            raise Invalid(reason="changed my mind")
    assert await _count_services(db) == 1


async def test_reader_never_commits(db: Database) -> None:
    async with db.reader() as session:
        session.add(_service("h1"))
        await session.flush()
    assert await _count_services(db) == 0


async def test_errors_are_translated(db: Database) -> None:
    async with db.writer() as session:
        session.add(_service("h1"))
    with pytest.raises(DBDuplicateEntry) as excinfo:
        async with db.writer() as session:
            session.add(_service("h1"))
    assert {"host", "binary", "deleted"} <= set(excinfo.value.kwargs["columns"])

    with pytest.raises(DBReferenceError):
        async with db.writer() as session:
            session.add(models.InstanceActionEvent(action_id=424242, event="boot"))


async def test_sqlite_connection_settings(sqlite_url: str) -> None:
    db = Database(sqlite_url, DatabaseOptions(sqlite_busy_timeout=2.5))
    async with db, db.reader() as session:
        pragmas = {
            name: (await session.execute(text(f"PRAGMA {name}"))).scalar_one()
            for name in ("journal_mode", "foreign_keys", "busy_timeout", "synchronous")
        }
    assert pragmas == {
        "journal_mode": "wal",
        "foreign_keys": 1,
        "busy_timeout": 2500,
        "synchronous": 2,
    }


async def test_sqlite_concurrent_writers_wait_for_each_other(sqlite_url: str) -> None:
    """BEGIN IMMEDIATE + busy timeout: concurrent write transactions queue, none fails."""
    async with Database(sqlite_url) as db:
        async with db.writer() as session:
            await session.execute(text("CREATE TABLE counter (n INTEGER NOT NULL)"))
            await session.execute(text("INSERT INTO counter VALUES (0)"))

        async def increment() -> None:
            async with db.writer() as session:
                n = (await session.execute(text("SELECT n FROM counter"))).scalar_one()
                await asyncio.sleep(0.01)  # read-modify-write: lost updates without the lock
                await session.execute(text("UPDATE counter SET n = :n"), {"n": n + 1})

        await asyncio.gather(*(increment() for _ in range(10)))
        async with db.reader() as session:
            assert (await session.execute(text("SELECT n FROM counter"))).scalar_one() == 10


@pytest.fixture(params=SERVER_BACKENDS)
async def server_db(request: pytest.FixtureRequest) -> AsyncIterator[Database]:
    """PostgreSQL or MariaDB with the cell schema (where real deadlocks happen)."""
    from novalite.db import migrate  # noqa: PLC0415

    url: str = request.getfixturevalue(f"{request.param}_url")
    database = Database(url, FAST)
    await migrate.sync(database, "cell")
    try:
        yield database
    finally:
        await database.dispose()


async def _make_deadlock(db: Database, ids: tuple[int, int], retried: bool) -> list[str]:
    """Two transactions lock two rows in opposite orders; returns each attempt's outcome."""
    first_locked, second_locked = asyncio.Event(), asyncio.Event()
    attempts: list[str] = []

    async def transaction(
        session: AsyncSession, mine: int, theirs: int, me: asyncio.Event, other: asyncio.Event
    ) -> None:
        attempts.append(f"start {mine}")
        row = models.Service
        await session.execute(
            update(row).where(row.id == mine).values(report_count=row.report_count + 1)
        )
        me.set()
        await other.wait()
        await session.execute(
            update(row).where(row.id == theirs).values(report_count=row.report_count + 1)
        )

    async def run(mine: int, theirs: int, me: asyncio.Event, other: asyncio.Event) -> None:
        if retried:
            await db.write(transaction, mine, theirs, me, other)
        else:
            async with db.writer() as session:
                await transaction(session, mine, theirs, me, other)

    results = await asyncio.wait_for(
        asyncio.gather(
            run(ids[0], ids[1], first_locked, second_locked),
            run(ids[1], ids[0], second_locked, first_locked),
            return_exceptions=True,
        ),
        timeout=30,
    )
    return [type(r).__name__ if isinstance(r, BaseException) else "ok" for r in results] + attempts


async def _two_services(db: Database) -> tuple[int, int]:
    async with db.writer() as session:
        a, b = _service("h1"), _service("h2")
        session.add_all([a, b])
        await session.flush()
        return a.id, b.id


async def test_real_deadlock_is_translated(server_db: Database) -> None:
    ids = await _two_services(server_db)
    outcome = await _make_deadlock(server_db, ids, retried=False)
    assert sorted(outcome[:2]) == ["DBDeadlock", "ok"]


async def test_real_deadlock_is_retried(server_db: Database) -> None:
    ids = await _two_services(server_db)
    outcome = await _make_deadlock(server_db, ids, retried=True)
    assert outcome[:2] == ["ok", "ok"]
    assert len(outcome) == 2 + 3  # two first attempts and one retry of the deadlock's victim
    async with server_db.reader() as session:
        counts = (await session.scalars(select(models.Service.report_count))).all()
    assert sorted(counts) == [2, 2]  # the victim's rolled-back updates were not counted twice

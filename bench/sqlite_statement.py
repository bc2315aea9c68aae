"""CPU cost of one small SQLite statement, by the way novalite can run it.

A one-row ``SELECT`` on a migrated cell database (SQLite file), repeated ``--statements``
times in one transaction, run four ways: as an ORM-enabled statement through the session,
the same through the session's connection, as a Core statement built per call, and as a
Core statement built once (bound parameters). Each once in a read transaction (every
statement is a trip to the connection's thread) and once in a write transaction (statements
run on the event loop's thread; see novalite/db/sqlite_driver.py). Prints the process CPU
time per statement in microseconds.

    uv run python bench/sqlite_statement.py --statements 2000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import bindparam, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.models import cell as models

INSTANCE = models.Instance
T = INSTANCE.__table__


def orm_select() -> Any:
    """The statement as the repositories build it: from the ORM class's attributes."""
    return select(INSTANCE.uuid, INSTANCE.vm_state).where(INSTANCE.uuid == "u1")


PREBUILT = select(T.c.uuid, T.c.vm_state).where(T.c.uuid == bindparam("uuid"))


async def _time(label: str, statements: int, run: Callable[[], Any]) -> None:
    started = time.process_time()
    for _ in range(statements):
        (await run()).all()
    print(f"  {label:<34} {(time.process_time() - started) / statements * 1e6:7.1f} µs")


async def _ways(session: AsyncSession, statements: int) -> None:
    connection = await session.connection()
    await _time(
        "ORM statement, session",
        statements,
        lambda: session.execute(orm_select()),
    )
    await _time(
        "ORM statement, connection",
        statements,
        lambda: connection.execute(orm_select()),
    )
    await _time(
        "Core statement built per call",
        statements,
        lambda: connection.execute(select(T.c.uuid, T.c.vm_state).where(T.c.uuid == "u1")),
    )
    await _time(
        "Core statement built once, session",
        statements,
        lambda: session.execute(PREBUILT, {"uuid": "u1"}),
    )
    await _time(
        "Core statement built once",
        statements,
        lambda: connection.execute(PREBUILT, {"uuid": "u1"}),
    )


async def main(statements: int) -> None:
    with tempfile.TemporaryDirectory(prefix="novalite-bench-") as tmp:
        db = Database(f"sqlite:///{tmp}/cell.sqlite")
        try:
            await migrate.sync(db, "cell")
            async with db.writer() as session:
                row = {"uuid": "u1", "project_id": "p", "user_id": "u"}
                await session.execute(insert(INSTANCE).values(**row))
            print("read transaction (a thread trip per statement):")
            async with db.reader() as session:
                await _ways(session, statements)
            print("write transaction (statements on the event loop's thread):")
            async with db.writer() as session:
                await _ways(session, statements)
        finally:
            await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=2000)
    asyncio.run(main(parser.parse_args().statements))

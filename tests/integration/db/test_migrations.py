"""The migrations build, on every backend, exactly the schema the models describe."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import inspect, text

from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.models import ApiBase, CellBase
from novalite.db.options import DatabaseOptions

SCHEMAS = [("api", ApiBase), ("cell", CellBase)]


async def _table_names(db: Database) -> set[str]:
    async with db.reader() as session:
        connection = await session.connection()
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


@pytest.mark.parametrize(("schema", "base"), SCHEMAS)
async def test_upgrade_from_empty_matches_models(
    any_db_url: str, schema: migrate.Schema, base: type[ApiBase] | type[CellBase]
) -> None:
    async with Database(any_db_url) as db:
        assert await migrate.current_revision(db, schema) is None

        await migrate.sync(db, schema)

        assert await migrate.current_revision(db, schema) == migrate.head_revision(schema)
        tables = await _table_names(db)
        assert set(base.metadata.tables) <= tables
        assert migrate.version_table(schema) in tables
        assert await migrate.schema_differences(db, schema) == []


@pytest.mark.parametrize(("schema", "base"), SCHEMAS)
async def test_sync_twice_is_a_no_op(
    any_db_url: str, schema: migrate.Schema, base: type[ApiBase] | type[CellBase]
) -> None:
    await migrate.sync(any_db_url, schema)
    async with Database(any_db_url) as db:
        before = await _table_names(db)
        await migrate.sync(db, schema)
        assert await _table_names(db) == before
        assert await migrate.current_revision(db, schema) == migrate.head_revision(schema)


async def test_both_schemas_can_share_one_database(any_db_url: str) -> None:
    async with Database(any_db_url) as db:
        await migrate.sync(db, "api")
        await migrate.sync(db, "cell")
        assert await migrate.schema_differences(db, "api") == []
        assert await migrate.schema_differences(db, "cell") == []
        assert await migrate.current_revision(db, "api") == migrate.head_revision("api")
        assert await migrate.current_revision(db, "cell") == migrate.head_revision("cell")


async def test_differences_are_reported(sqlite_url: str) -> None:
    """The comparison is able to fail: a dropped index shows up as a difference."""
    async with Database(sqlite_url) as db:
        await migrate.sync(db, "cell")
        async with db.writer() as session:
            connection = await session.connection()
            await connection.exec_driver_sql("DROP INDEX instances_host_node_deleted_idx")
        diffs = await migrate.schema_differences(db, "cell")
        assert [d[0] for d in diffs] == ["add_index"]
        assert diffs[0][1].name == "instances_host_node_deleted_idx"


async def test_concurrent_syncs_do_not_collide(any_db_url: str) -> None:
    """Several processes may run ``db sync`` at once (each has its own connections)."""
    dbs = [Database(any_db_url) for _ in range(3)]
    try:
        await asyncio.gather(*(migrate.sync(db, "cell") for db in dbs))
        assert await migrate.current_revision(dbs[0], "cell") == migrate.head_revision("cell")
        assert await migrate.schema_differences(dbs[0], "cell") == []
    finally:
        for db in dbs:
            await db.dispose()


async def test_sqlite_foreign_keys_are_back_on_after_sync(sqlite_url: str) -> None:
    db = Database(sqlite_url, DatabaseOptions(max_pool_size=1, max_overflow=0))
    async with db:
        await migrate.sync(db, "cell")  # foreign keys are off while migrations run
        async with db.reader() as session:  # the same pooled connection
            assert (await session.execute(text("PRAGMA foreign_keys"))).scalar_one() == 1

"""Fixtures for database integration tests: a migrated database on each backend."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.options import DatabaseOptions

#: Quick retries: tests should not sleep for seconds.
FAST = DatabaseOptions(db_retry_interval=0.01, db_max_retry_interval=0.05)


@pytest.fixture
async def db(any_db_url: str) -> AsyncIterator[Database]:
    """A ``Database`` with both schemas (API and cell) at head, on each backend in turn."""
    database = Database(any_db_url, FAST)
    await migrate.sync(database, "api")
    await migrate.sync(database, "cell")
    try:
        yield database
    finally:
        await database.dispose()

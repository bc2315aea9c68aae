"""One shared :class:`~novalite.db.engine.Database` per database URL (one per cell).

Services that reach every cell (the API listing servers, the super-conductor)
look cells up in the API database and then need the engine of each cell's
database: a registry builds it on first use and keeps it, so that each cell has
one connection pool per process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy.engine import URL

from novalite.db import urls
from novalite.db.engine import Database
from novalite.db.options import DatabaseOptions


class DatabaseRegistry:
    """``Database`` objects by URL, built on demand with the same options."""

    def __init__(
        self,
        options: DatabaseOptions | None = None,
        factory: Callable[[str | URL, DatabaseOptions | None], Database] = Database,
    ) -> None:
        self._options = options
        self._factory = factory
        self._databases: dict[str, Database] = {}

    def get(self, url: str | URL) -> Database:
        """The ``Database`` for ``url``, built the first time it is asked for."""
        key = urls.to_async_url(url).render_as_string(hide_password=False)
        db = self._databases.get(key)
        if db is None:
            db = self._databases[key] = self._factory(url, self._options)
        return db

    def __iter__(self) -> Iterator[Database]:
        return iter(list(self._databases.values()))

    def __len__(self) -> int:
        return len(self._databases)

    async def dispose_all(self) -> None:
        """Close the pools of every ``Database`` built so far and forget them."""
        databases, self._databases = list(self._databases.values()), {}
        for db in databases:
            await db.dispose()

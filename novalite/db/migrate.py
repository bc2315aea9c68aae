"""Run the Alembic migrations of the API and cell schemas from Python (no alembic.ini).

::

    await sync("sqlite:////var/lib/novalite/api.sqlite", "api")   # empty -> head
    await sync(cell1_db, "cell")                                   # a Database works too
    await current_revision(cell1_db, "cell")                       # "<rev>" or None

The two schemas keep their revisions in separate version tables
(``alembic_version_api``, ``alembic_version_cell``), so they may even share one
database. Migrations run in one transaction where the backend allows it
(PostgreSQL, SQLite; MySQL/MariaDB commit each DDL statement). On SQLite,
foreign keys are off while migrations run (so batch migrations may rebuild
tables) and ``PRAGMA foreign_key_check`` must pass before the commit.
Downgrades are not supported, as in nova.
"""

from __future__ import annotations

import asyncio
import contextlib
import pathlib
import tempfile
import zlib
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, TypeAlias

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, text
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.schema import SchemaItem

from novalite.db import dialects
from novalite.db.engine import Database
from novalite.db.models import ApiBase, CellBase
from novalite.db.models.base import UTCDateTime
from novalite.errors import DBDeadlock, DBError

#: A schema's name: ``"api"``, ``"cell"``, or one a built-in service registered.
Schema: TypeAlias = str

_MIGRATIONS = pathlib.Path(__file__).parent / "migrations"
_METADATA: dict[str, MetaData] = {"api": ApiBase.metadata, "cell": CellBase.metadata}
_LOCATIONS: dict[str, pathlib.Path] = {"api": _MIGRATIONS / "api", "cell": _MIGRATIONS / "cell"}
_SCHEMA_ATTR = "novalite_schema"
#: Seconds a sync waits for a concurrent sync of the same schema (MySQL/MariaDB).
_LOCK_TIMEOUT = 600


def register_schema(name: str, metadata: MetaData, migrations: pathlib.Path) -> None:
    """Make another schema (a built-in service's own tables) migratable like nova's two.

    ``migrations`` is an Alembic environment whose ``env.py`` calls
    :func:`run_environment`. Registering the same schema again is a no-op.
    """
    if _METADATA.get(name, metadata) is not metadata:
        raise ValueError(f"schema {name!r} is already registered with other tables")
    _METADATA[name] = metadata
    _LOCATIONS[name] = migrations


def version_table(schema: Schema) -> str:
    """Name of the table holding ``schema``'s revision."""
    return f"alembic_version_{schema}"


def alembic_config(schema: Schema) -> Config:
    """An Alembic ``Config`` for ``schema``'s migration environment (no ini file)."""
    if schema not in _METADATA:
        raise ValueError(f"unknown schema {schema!r}: expected one of {sorted(_METADATA)}")
    config = Config()
    config.set_main_option("script_location", str(_LOCATIONS[schema]))
    config.attributes[_SCHEMA_ATTR] = schema
    return config


def head_revision(schema: Schema) -> str:
    """The newest revision shipped for ``schema``."""
    head = ScriptDirectory.from_config(alembic_config(schema)).get_current_head()
    if head is None:
        raise DBError(reason=f"no migrations found for the {schema} schema")
    return head


async def sync(target: str | URL | Database, schema: Schema, revision: str = "head") -> None:
    """Upgrade ``schema`` in the database ``target`` to ``revision`` (a no-op when there)."""
    config = alembic_config(schema)

    def upgrade(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    options = {dialects.MIGRATION_OPTION: True}
    async with _DatabaseFor(target) as db:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + _LOCK_TIMEOUT
        while True:
            try:
                async with (
                    db.connection(**options) as connection,
                    _migration_lock(connection, schema),
                    connection.begin(),
                ):
                    await connection.run_sync(upgrade)
                return
            except DBDeadlock:
                # SQLite: another sync held the write lock past the busy timeout. Nothing
                # was written (BEGIN IMMEDIATE failed), so waiting and starting over is safe.
                if db.backend != "sqlite" or loop.time() > deadline:
                    raise
                await asyncio.sleep(0.1)


async def current_revision(target: str | URL | Database, schema: Schema) -> str | None:
    """The revision ``schema`` is at in ``target``, or None if it was never migrated."""

    def read(connection: Connection) -> str | None:
        context = MigrationContext.configure(
            connection, opts={"version_table": version_table(schema)}
        )
        return context.get_current_revision()

    async with _DatabaseFor(target) as db, db.reader() as session:
        connection = await session.connection()
        return await connection.run_sync(read)


async def schema_differences(target: str | URL | Database, schema: Schema) -> list[Any]:
    """Alembic's differences between ``target``'s actual schema and the models (empty: equal)."""

    def compare(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts=_context_options(schema))
        return list(compare_metadata(context, _METADATA[schema]))

    async with _DatabaseFor(target) as db, db.reader() as session:
        connection = await session.connection()
        return await connection.run_sync(compare)


async def make_revision(
    schema: Schema, message: str, target: str | URL | Database | None = None
) -> None:
    """Developer tool: write a new revision of ``schema`` autogenerated from the models.

    ``target`` (default: a temporary SQLite file) is first upgraded to head; the
    new revision holds what the models have and the database lacks. Read and
    tidy the generated file before committing it.
    """
    if target is None:
        with tempfile.TemporaryDirectory() as tmp:
            await make_revision(schema, message, f"sqlite:///{tmp}/autogenerate.sqlite")
        return
    await sync(target, schema)
    config = alembic_config(schema)

    def revision(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.revision(config, message=message, autogenerate=True)

    async with _DatabaseFor(target) as db, db.writer_connection() as connection:
        await connection.run_sync(revision)


def run_environment() -> None:
    """Body of each migration environment's ``env.py`` (run by Alembic)."""
    from alembic import context  # noqa: PLC0415 (only importable while Alembic runs env.py)

    config = context.config
    schema: Schema = config.attributes[_SCHEMA_ATTR]
    connection: Connection | None = config.attributes.get("connection")
    if connection is None:
        if not context.is_offline_mode():
            raise DBError(reason="run migrations with novalite.db.migrate.sync()")
        url = config.get_main_option("sqlalchemy.url")
        context.configure(url=url, literal_binds=True, **_context_options(schema))
        with context.begin_transaction():
            context.run_migrations()
        return
    context.configure(connection=connection, **_context_options(schema))
    with context.begin_transaction():
        context.run_migrations()
        if connection.dialect.name == "sqlite":
            problems = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise DBError(reason=f"foreign key violations after migration: {problems}")


def _context_options(schema: Schema) -> dict[str, Any]:
    return {
        "target_metadata": _METADATA[schema],
        "version_table": version_table(schema),
        "render_as_batch": True,
        "compare_type": True,
        "include_object": _only_schema(schema),
        "render_item": _render_item,
    }


def _only_schema(schema: Schema) -> Callable[..., bool]:
    """Ignore the other schema's tables (both schemas may share one database)."""
    others = {
        name for other, metadata in _METADATA.items() if other != schema for name in metadata.tables
    }
    others |= {f"alembic_version_{other}" for other in _METADATA if other != schema}

    def include(
        obj: SchemaItem, name: str | None, type_: str, reflected: bool, compare_to: Any
    ) -> bool:
        return not (type_ == "table" and reflected and name in others)

    return include


def _render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Render :class:`UTCDateTime` as the plain ``sa.DateTime()`` it is in the database."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    return False


@contextlib.asynccontextmanager
async def _migration_lock(connection: AsyncConnection, schema: Schema) -> AsyncIterator[None]:
    """Serialise concurrent syncs of one schema in one database (several ``db sync`` at once).

    PostgreSQL: a session advisory lock; MySQL/MariaDB: ``GET_LOCK``. SQLite needs
    none: the migration's ``BEGIN IMMEDIATE`` already excludes other writers.
    """
    name = f"novalite_migrate_{schema}"
    backend = connection.dialect.name
    if backend == "postgresql":
        params: dict[str, Any] = {"key": zlib.crc32(name.encode())}
        acquire, release = "SELECT pg_advisory_lock(:key)", "SELECT pg_advisory_unlock(:key)"
    elif backend in {"mysql", "mariadb"}:
        params = {"name": name, "timeout": _LOCK_TIMEOUT}
        acquire, release = "SELECT GET_LOCK(:name, :timeout)", "SELECT RELEASE_LOCK(:name)"
    else:
        yield
        return
    got = (await connection.execute(text(acquire), params)).scalar()
    await connection.commit()
    if got == 0:  # MySQL's GET_LOCK timed out (PostgreSQL waits for as long as it takes)
        raise DBError(reason=f"another migration of the {schema} schema is still running")
    try:
        yield
    finally:
        await connection.execute(text(release), params)
        await connection.commit()


class _DatabaseFor:
    """Use a given ``Database``, or build one for a URL and dispose of it afterwards."""

    def __init__(self, target: str | URL | Database) -> None:
        self._owned = not isinstance(target, Database)
        self._db = target if isinstance(target, Database) else Database(target)

    async def __aenter__(self) -> Database:
        return self._db

    async def __aexit__(self, *exc_info: object) -> None:
        if self._owned:
            await self._db.dispose()

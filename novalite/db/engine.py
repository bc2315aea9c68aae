"""One :class:`Database` per database URL: its async engine, sessions and transactions.

Usage::

    db = Database("postgresql://nova:secret@db/nova_cell1", DatabaseOptions(max_pool_size=10))
    await db.check_connection()                 # at service start: one clear line if down
    async with db.writer() as session:          # BEGIN ... COMMIT (ROLLBACK on error)
        session.add(row)
    async with db.reader() as session:          # a read-only unit of work
        rows = (await session.scalars(select(Service))).all()
    result = await db.write(some_function, arg) # the same, re-run on deadlocks
    await db.dispose()

Every database error leaving a transaction is a novalite error
(:mod:`novalite.db.errors`); none carries the URL's password.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import text
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from novalite.db import dialects, urls
from novalite.db.errors import translate_error
from novalite.db.options import DatabaseOptions
from novalite.db.retry import RetryPolicy, call_with_retry, transaction_scope
from novalite.errors import DBConnectionError

P = ParamSpec("P")
T = TypeVar("T")

#: Exceptions that :class:`Database` turns into novalite errors.
_TRANSLATED = (SQLAlchemyError, OSError)


class Database:
    """An async engine for one database URL, with explicit reader and writer transactions.

    ``url`` is a nova-style URL (``sqlite:///path``, ``postgresql://...``,
    ``mysql+pymysql://...``); the asyncio driver is chosen from it. Building a
    ``Database`` opens no connection (except that the directory of a SQLite file
    is created).
    """

    def __init__(self, url: str | URL, options: DatabaseOptions | None = None) -> None:
        self._given_url = url
        self._display_url = urls.mask_url(url)
        self._url = urls.to_async_url(url)
        self.options = options or DatabaseOptions()
        self.retry_policy = RetryPolicy.from_options(self.options)
        try:
            dialects.prepare_sqlite_file(self._url)
        except OSError as exc:
            raise DBConnectionError(
                url=self._display_url, reason=f"cannot create the database's directory: {exc}"
            ) from exc
        self._engine = create_async_engine(
            self._url, **dialects.engine_kwargs(self._url, self.options)
        )
        dialects.install(self._engine, self.options)
        self._sqlite_file = dialects.sqlite_file_key(self._url)
        self._write_engine = self._engine.execution_options(**{dialects.WRITER_OPTION: True})
        self._readers = async_sessionmaker(self._engine, expire_on_commit=False)
        self._writers = async_sessionmaker(self._write_engine, expire_on_commit=False)

    def __repr__(self) -> str:
        return f"<Database {self.url}>"

    @property
    def url(self) -> str:
        """The async-driver URL with its password masked (safe to log)."""
        return urls.mask_url(self._url)

    @property
    def backend(self) -> str:
        """``sqlite``, ``postgresql``, ``mysql`` or ``mariadb``."""
        return self._url.get_backend_name()

    @property
    def engine(self) -> AsyncEngine:
        """The underlying SQLAlchemy engine (prefer :meth:`reader`/:meth:`writer`)."""
        return self._engine

    @contextlib.asynccontextmanager
    async def writer(self) -> AsyncIterator[AsyncSession]:
        """A session in a write transaction: committed on success, rolled back on error.

        On SQLite the transaction starts with ``BEGIN IMMEDIATE`` (the write lock), once
        this process's earlier writers of the same file are done.
        """
        async with self._sqlite_writer_turn():
            with transaction_scope(), self._translated():
                async with self._writers() as session, session.begin():
                    yield session

    @contextlib.asynccontextmanager
    async def _sqlite_writer_turn(self) -> AsyncIterator[None]:
        """Wait for this process's other writers of the SQLite file (no-op elsewhere).

        A writer that waited longer than the busy timeout goes ahead anyway and leaves
        the waiting to SQLite (which fails it as before if the lock is still held).
        """
        lock = dialects.sqlite_write_lock(self._sqlite_file)
        if lock is None:
            yield
            return
        try:
            async with asyncio.timeout(self.options.sqlite_busy_timeout):
                await lock.acquire()
        except TimeoutError:
            yield
            return
        try:
            yield
        finally:
            lock.release()

    @contextlib.asynccontextmanager
    async def reader(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; its transaction is rolled back at the end, never committed."""
        with transaction_scope(), self._translated():
            async with self._readers() as session:
                yield session

    @contextlib.asynccontextmanager
    async def writer_connection(self, **execution_options: Any) -> AsyncIterator[AsyncConnection]:
        """A Core connection in a write transaction (for migrations and bulk statements).

        ``execution_options`` are set on the connection before its transaction begins.
        """
        async with self.connection(**execution_options) as connection, connection.begin():
            yield connection

    @contextlib.asynccontextmanager
    async def connection(
        self, *, write: bool = True, **execution_options: Any
    ) -> AsyncIterator[AsyncConnection]:
        """A Core connection whose transactions the caller begins and ends itself.

        Statements autobegin a transaction (SQLite: ``BEGIN IMMEDIATE`` when
        ``write``); whatever is not committed is rolled back at the end.
        """
        engine = self._write_engine if write else self._engine
        with transaction_scope(), self._translated():
            async with engine.connect() as connection:
                if execution_options:
                    await connection.execution_options(**execution_options)
                yield connection

    async def write(
        self,
        func: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``func(session, ...)`` in a :meth:`writer` transaction, retried on deadlocks.

        The whole transaction is re-run (up to the options' ``db_max_retries``)
        after a deadlock, serialization failure or dropped connection, so
        ``func`` must do nothing but database work in ``session``.
        """

        async def attempt() -> T:
            async with self.writer() as session:
                return await func(session, *args, **kwargs)

        return await call_with_retry(attempt, self.retry_policy)

    async def read(
        self,
        func: Callable[Concatenate[AsyncSession, P], Awaitable[T]],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> T:
        """Run ``func(session, ...)`` in a :meth:`reader` session, retried like :meth:`write`."""

        async def attempt() -> T:
            async with self.reader() as session:
                return await func(session, *args, **kwargs)

        return await call_with_retry(attempt, self.retry_policy)

    async def check_connection(self, timeout: float = 5.0) -> None:  # noqa: ASYNC109
        """Connect and run ``SELECT 1`` within ``timeout`` seconds, else DBConnectionError.

        Meant for service start-up: an unreachable or misconfigured database
        gives one clear line naming the (password-masked) URL and the reason.
        """
        try:
            async with asyncio.timeout(timeout):
                async with self._engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
        except TimeoutError as exc:
            raise DBConnectionError(
                url=self._display_url, reason=f"no answer within {timeout:g}s"
            ) from exc
        except _TRANSLATED as exc:
            error = translate_error(exc, self._given_url)
            if not isinstance(error, DBConnectionError):
                reason = error.kwargs.get("reason", error.message)
                error = DBConnectionError(url=self._display_url, reason=reason)
            raise error from exc

    async def dispose(self) -> None:
        """Close every pooled connection; the ``Database`` may still be used afterwards."""
        await self._engine.dispose()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.dispose()

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except _TRANSLATED as exc:
            raise translate_error(exc, self._given_url) from exc

"""Retry whole transactions after deadlocks, serialization failures and dropped connections.

Re-running is only safe for a function that owns its whole transaction: it
opens it, does all its work in it, and commits it. So the retry applies only
when no transaction is already open in the calling task (see
:func:`in_transaction`); inside someone else's transaction the error goes up to
the owner of that transaction, which may retry the whole of it.

Retried: :class:`~novalite.errors.DBDeadlock` (PostgreSQL 40P01/40001, MySQL
1213/1205, SQLite "database is locked") and
:class:`~novalite.errors.DBConnectionError` (connection refused, dropped or
invalidated), as raised by :meth:`novalite.db.engine.Database.writer` and
:meth:`~novalite.db.engine.Database.reader`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import dataclasses
import functools
import logging
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import ParamSpec, TypeVar, overload

from novalite.db.errors import is_retryable
from novalite.db.options import DatabaseOptions

LOG = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

#: How to wait between attempts (tests replace it).
_sleep = asyncio.sleep

_IN_TRANSACTION: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "novalite_db_in_transaction", default=False
)


def in_transaction() -> bool:
    """True while the current task is inside a transaction opened by a ``Database``."""
    return _IN_TRANSACTION.get()


@contextlib.contextmanager
def transaction_scope() -> Iterator[None]:
    """Mark the current task as inside a transaction (used by ``Database``)."""
    token = _IN_TRANSACTION.set(True)
    try:
        yield
    finally:
        _IN_TRANSACTION.reset(token)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    """How many times, and how long apart, to re-run a failed transaction."""

    #: Retries after the first attempt (0: never retry).
    max_retries: int = 5
    #: Seconds before the first retry.
    interval: float = 0.1
    #: Double the interval after each retry.
    inc_interval: bool = True
    #: Upper bound of the interval, in seconds.
    max_interval: float = 2.0
    #: Sleep a random 50-100% of each interval, so that the losers of a deadlock do not
    #: collide again in lockstep.
    jitter: bool = True

    @classmethod
    def from_options(cls, options: DatabaseOptions) -> RetryPolicy:
        """The policy described by oslo.db-style ``db_*retry*`` options."""
        return cls(
            max_retries=options.db_max_retries,
            interval=options.db_retry_interval,
            inc_interval=options.db_inc_retry_interval,
            max_interval=options.db_max_retry_interval,
        )

    def delays(self) -> Iterator[float]:
        """The sleep before each retry, in order (``max_retries`` values)."""
        interval = self.interval
        for _ in range(self.max_retries):
            bounded = min(interval, self.max_interval)
            yield bounded * random.uniform(0.5, 1.0) if self.jitter else bounded
            if self.inc_interval:
                interval *= 2


DEFAULT_POLICY = RetryPolicy()


async def call_with_retry(
    func: Callable[[], Awaitable[T]], policy: RetryPolicy = DEFAULT_POLICY
) -> T:
    """Await ``func()``, re-running it on retryable database errors as ``policy`` allows.

    Inside an already open transaction ``func`` runs once: the transaction's
    owner decides.
    """
    if in_transaction():
        return await func()
    delays = policy.delays()
    attempt = 1
    while True:
        try:
            return await func()
        except Exception as exc:
            if not is_retryable(exc):
                raise
            delay = next(delays, None)
            if delay is None:
                raise
            LOG.warning(
                "%s; retrying the transaction in %.2fs (attempt %d of %d)",
                exc,
                delay,
                attempt + 1,
                policy.max_retries + 1,
            )
            attempt += 1
            await _sleep(delay)


@overload
def retry_on_deadlock(
    func: Callable[P, Awaitable[T]], *, policy: RetryPolicy = ...
) -> Callable[P, Awaitable[T]]: ...


@overload
def retry_on_deadlock(
    func: None = None, *, policy: RetryPolicy = ...
) -> Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]: ...


def retry_on_deadlock(
    func: Callable[P, Awaitable[T]] | None = None, *, policy: RetryPolicy = DEFAULT_POLICY
) -> Callable[P, Awaitable[T]] | Callable[[Callable[P, Awaitable[T]]], Callable[P, Awaitable[T]]]:
    """Decorate a coroutine function that owns a whole transaction so that it is retried.

    Use bare (``@retry_on_deadlock``) or with a policy
    (``@retry_on_deadlock(policy=RetryPolicy(max_retries=3))``). See the module
    documentation for what is retried and when.
    """

    def decorate(fn: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
        @functools.wraps(fn)
        async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
            return await call_with_retry(lambda: fn(*args, **kwargs), policy)

        return wrapper

    if func is not None:
        return decorate(func)
    return decorate

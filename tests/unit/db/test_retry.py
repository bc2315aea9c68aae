"""Whole-transaction retries: when, how often, how long apart."""

from __future__ import annotations

import pytest

from novalite.db import retry
from novalite.db.retry import RetryPolicy, call_with_retry, retry_on_deadlock, transaction_scope
from novalite.errors import DBConnectionError, DBDeadlock, DBDuplicateEntry

NO_JITTER = RetryPolicy(max_retries=3, interval=0.5, max_interval=1.5, jitter=False)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the delays instead of sleeping."""
    recorded: list[float] = []

    async def fake_sleep(delay: float) -> None:
        recorded.append(delay)

    monkeypatch.setattr(retry, "_sleep", fake_sleep)
    return recorded


class Flaky:
    """Fails with ``error`` the first ``failures`` times, then returns the call count."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.calls = failures, error, 0

    async def __call__(self) -> int:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return self.calls


async def test_deadlocks_are_retried_until_success(sleeps: list[float]) -> None:
    flaky = Flaky(3, DBDeadlock(reason="deadlock"))
    assert await call_with_retry(flaky, NO_JITTER) == 4
    assert sleeps == [0.5, 1.0, 1.5]  # doubling, capped at max_interval


async def test_gives_up_after_max_retries(sleeps: list[float]) -> None:
    flaky = Flaky(10, DBDeadlock(reason="deadlock"))
    with pytest.raises(DBDeadlock):
        await call_with_retry(flaky, NO_JITTER)
    assert flaky.calls == 4 and len(sleeps) == 3


async def test_dropped_connections_are_retried(sleeps: list[float]) -> None:
    flaky = Flaky(1, DBConnectionError(url="postgresql://db/x", reason="gone"))
    assert await call_with_retry(flaky, NO_JITTER) == 2


async def test_other_errors_are_not_retried(sleeps: list[float]) -> None:
    flaky = Flaky(1, DBDuplicateEntry(reason="dup"))
    with pytest.raises(DBDuplicateEntry):
        await call_with_retry(flaky, NO_JITTER)
    assert flaky.calls == 1 and sleeps == []


async def test_no_retry_inside_an_open_transaction(sleeps: list[float]) -> None:
    """Only the owner of the transaction may re-run it."""
    flaky = Flaky(1, DBDeadlock(reason="deadlock"))
    with transaction_scope(), pytest.raises(DBDeadlock):
        await call_with_retry(flaky, NO_JITTER)
    assert flaky.calls == 1
    assert not retry.in_transaction()


async def test_decorator(sleeps: list[float]) -> None:
    calls: list[int] = []

    @retry_on_deadlock(policy=RetryPolicy(max_retries=2, jitter=False))
    async def work(x: int) -> int:
        """Doc."""
        calls.append(x)
        if len(calls) < 3:
            raise DBDeadlock(reason="deadlock")
        return x * 2

    assert await work(21) == 42
    assert calls == [21, 21, 21]
    assert work.__name__ == "work" and work.__doc__ == "Doc."

    @retry_on_deadlock
    async def bare() -> str:
        return "ok"

    assert await bare() == "ok"


def test_policy_delays() -> None:
    assert list(RetryPolicy(max_retries=0).delays()) == []
    constant = RetryPolicy(max_retries=3, interval=0.2, inc_interval=False, jitter=False)
    assert list(constant.delays()) == [0.2, 0.2, 0.2]
    jittered = list(RetryPolicy(max_retries=50, interval=1.0, inc_interval=False).delays())
    assert all(0.5 <= d <= 1.0 for d in jittered) and len(set(jittered)) > 1

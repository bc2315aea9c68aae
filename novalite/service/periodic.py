"""Periodic tasks: a coroutine run at a fixed interval until stopped."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

LOG = logging.getLogger(__name__)


class PeriodicTask:
    """Runs ``func`` every ``interval`` seconds, after an optional random initial delay.

    A failing run is logged and the task carries on; a run in progress when
    the task stops is given the grace period to finish.
    """

    def __init__(
        self,
        name: str,
        func: Callable[[], Awaitable[object]],
        interval: float,
        *,
        initial_delay: float = 0.0,
        fuzzy_delay: float = 0.0,
        run_immediately: bool = False,
    ) -> None:
        self._name = name
        self._func = func
        self._interval = interval
        self._initial_delay = initial_delay + (random.uniform(0, fuzzy_delay) if fuzzy_delay else 0)
        self._run_immediately = run_immediately
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._running = asyncio.Event()

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        if self._run_immediately:
            await self._run_once()
        self._task = asyncio.create_task(self._loop(), name=f"periodic:{self._name}")

    async def stop(self, grace: float) -> None:
        self._stopping.set()
        if self._task is None:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        except TimeoutError:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        delay = self._initial_delay if not self._run_immediately else self._interval
        while not await self._sleep(delay):
            await self._run_once()
            delay = self._interval

    async def _sleep(self, seconds: float) -> bool:
        """Sleep unless stopped first; True when the task should end."""
        if self._stopping.is_set():
            return True
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=max(seconds, 0))
        except TimeoutError:
            return False
        return True

    async def _run_once(self) -> None:
        try:
            await self._func()
        except Exception:
            LOG.exception("periodic task %s failed", self._name)

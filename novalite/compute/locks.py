"""Per-instance locks: one operation at a time on an instance of this host."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class InstanceLocks:
    """asyncio locks keyed by instance uuid, freed when nobody holds or waits for them.

    Operations on one instance (build, stop, start, reboot, terminate, power sync)
    run in the order they took the lock, as nova's ``synchronized(instance.uuid)``.
    """

    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}
        self._users: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._locks)

    def locked(self, instance_uuid: str) -> bool:
        """True while an operation holds the lock of ``instance_uuid``."""
        lock = self._locks.get(instance_uuid)
        return lock is not None and lock.locked()

    @contextlib.asynccontextmanager
    async def hold(self, instance_uuid: str) -> AsyncIterator[None]:
        """Hold the lock of ``instance_uuid`` for the body of the ``async with``."""
        lock = self._locks.setdefault(instance_uuid, asyncio.Lock())
        self._users[instance_uuid] = self._users.get(instance_uuid, 0) + 1
        try:
            async with lock:
                yield
        finally:
            self._users[instance_uuid] -= 1
            if not self._users[instance_uuid]:
                del self._users[instance_uuid]
                del self._locks[instance_uuid]

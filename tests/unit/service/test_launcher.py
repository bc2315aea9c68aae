import asyncio
import os
import signal

import pytest

from novalite.service import Launcher


class Recorder:
    def __init__(self, name: str, log: list[str], *, fail: bool = False, slow: float = 0) -> None:
        self._name = name
        self._log = log
        self._fail = fail
        self._slow = slow
        self.grace: float | None = None
        self.started = asyncio.Event()

    @property
    def name(self) -> str:
        return self._name

    async def start(self) -> None:
        if self._fail:
            raise RuntimeError(f"{self._name} cannot start")
        self._log.append(f"start {self._name}")
        self.started.set()

    async def stop(self, grace: float) -> None:
        self.grace = grace
        await asyncio.sleep(self._slow)
        self._log.append(f"stop {self._name}")


async def test_components_start_in_order_and_stop_in_reverse() -> None:
    log: list[str] = []
    launcher = Launcher("test", graceful_shutdown_timeout=5)
    for name in "abc":
        launcher.add(Recorder(name, log))
    await launcher.start()
    await launcher.stop()
    assert log == ["start a", "start b", "start c", "stop c", "stop b", "stop a"]


async def test_failed_start_stops_what_started_and_reraises() -> None:
    log: list[str] = []
    launcher = Launcher("test")
    launcher.add(Recorder("a", log))
    launcher.add(Recorder("b", log, fail=True))
    launcher.add(Recorder("c", log))
    with pytest.raises(RuntimeError, match="b cannot start"):
        await launcher.start()
    assert log == ["start a", "stop a"]


async def test_grace_is_shared_by_all_components() -> None:
    log: list[str] = []
    launcher = Launcher("test", graceful_shutdown_timeout=1.0)
    first, second = Recorder("a", log), Recorder("b", log, slow=0.3)
    launcher.add(first)
    launcher.add(second)
    await launcher.start()
    await launcher.stop()
    assert second.grace is not None and first.grace is not None
    assert first.grace <= second.grace - 0.25


async def test_sigterm_stops_run() -> None:
    log: list[str] = []
    launcher = Launcher("test", graceful_shutdown_timeout=5)
    component = Recorder("a", log)
    launcher.add(component)
    task = asyncio.create_task(launcher.run())
    await asyncio.wait_for(component.started.wait(), timeout=5)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(task, timeout=5)
    assert log == ["start a", "stop a"]

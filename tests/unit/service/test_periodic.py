import asyncio

from novalite.service import PeriodicTask


async def test_runs_repeatedly_and_survives_errors() -> None:
    calls = 0

    async def tick() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ValueError("boom")

    task = PeriodicTask("tick", tick, 0.01, run_immediately=True)
    await task.start()
    assert calls == 1
    await asyncio.sleep(0.1)
    await task.stop(1)
    stopped_at = calls
    assert stopped_at >= 4
    await asyncio.sleep(0.05)
    assert calls == stopped_at


async def test_stop_waits_for_a_running_tick_within_grace() -> None:
    finished = asyncio.Event()

    async def slow() -> None:
        await asyncio.sleep(0.1)
        finished.set()

    task = PeriodicTask("slow", slow, 0.0)
    await task.start()
    await asyncio.sleep(0.02)
    await task.stop(2)
    assert finished.is_set()


async def test_stop_cancels_a_tick_past_grace() -> None:
    async def stuck() -> None:
        await asyncio.sleep(60)

    task = PeriodicTask("stuck", stuck, 0.0)
    await task.start()
    await asyncio.sleep(0.02)
    await asyncio.wait_for(task.stop(0.05), timeout=2)

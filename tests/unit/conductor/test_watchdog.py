"""The watchdog against fakes, with a clock moved by hand."""

from __future__ import annotations

import datetime

import pytest

from novalite.conductor.bury import CellZeroBurial
from novalite.conductor.watchdog import Watchdog
from novalite.domain.instance import Instance
from novalite.domain.states import OnExpiry, TaskDeadline
from tests.unit.conductor.conftest import Rig
from tests.unit.conductor.fakes import now

DEADLINES = {
    "spawning": TaskDeadline(10),
    "powering-off": TaskDeadline(10, OnExpiry.CLEAR_TASK),
    "deleting": TaskDeadline(10, OnExpiry.FINISH_DELETE),
}


@pytest.fixture
def clock() -> list[datetime.datetime]:
    return [now()]


@pytest.fixture
def watchdog(rig: Rig, clock: list[datetime.datetime]) -> Watchdog:
    burial = CellZeroBurial(rig.cells, rig.build_requests, host="conductor1")
    return Watchdog(
        cells=rig.cells,
        build_requests=rig.build_requests,
        instance_mappings=rig.mappings,
        placement=rig.placement,
        burial=burial,
        deadlines=DEADLINES,
        build_deadline=20,
        clock=lambda: clock[0],
    )


def later(clock: list[datetime.datetime], seconds: float) -> None:
    clock[0] += datetime.timedelta(seconds=seconds)


async def _instance(rig: Rig, task_state: str, vm_state: str = "active") -> Instance:
    store = rig.cells.stores[rig.cells.one.uuid]
    instance = await store.create(Instance(vm_state=vm_state, task_state=task_state, host="h1"))
    rig.placement.allocations[instance.uuid] = {"rp": {}}
    rig.placement.generations[instance.uuid] = 1
    return instance


async def test_nothing_happens_before_the_deadline(
    rig: Rig, watchdog: Watchdog, clock: list[datetime.datetime]
) -> None:
    instance = await _instance(rig, "spawning", "building")
    later(clock, 5)
    await watchdog.run_once()
    assert rig.cells.stores[rig.cells.one.uuid].rows[instance.uuid].task_state == "spawning"


async def test_expired_tasks_end_as_their_deadline_says(
    rig: Rig, watchdog: Watchdog, clock: list[datetime.datetime]
) -> None:
    store = rig.cells.stores[rig.cells.one.uuid]
    building = await _instance(rig, "spawning", "building")
    stopping = await _instance(rig, "powering-off")
    deleting = await _instance(rig, "deleting")
    later(clock, 11)
    await watchdog.run_once()
    assert (store.rows[building.uuid].vm_state, store.rows[building.uuid].task_state) == (
        "error",
        None,
    )
    assert [(f.instance_uuid, f.message, f.host) for f in store.faults] == [
        (building.uuid, "Task spawning did not finish within 10 s", "h1")
    ]
    assert building.uuid in rig.placement.allocations
    assert (store.rows[stopping.uuid].vm_state, store.rows[stopping.uuid].task_state) == (
        "active",
        None,
    )
    assert store.rows[deleting.uuid].deleted
    assert deleting.uuid not in rig.placement.allocations


async def test_stale_build_requests_without_a_cell_are_buried(
    rig: Rig, watchdog: Watchdog, clock: list[datetime.datetime]
) -> None:
    _, (stuck, fresh, placed) = rig.request(3)
    for uuid in (stuck, placed):
        rig.build_requests.rows[uuid].created_at = clock[0] - datetime.timedelta(seconds=30)
    rig.build_requests.rows[fresh].created_at = clock[0]
    rig.mappings.rows[placed].cell_uuid = rig.cells.one.uuid
    rig.placement.allocations[stuck] = {"rp": {}}
    await watchdog.run_once()
    cell0 = rig.cells.stores[rig.cells.zero.uuid]
    assert list(cell0.rows) == [stuck]
    assert cell0.rows[stuck].vm_state == "error"
    assert cell0.faults[0].message == f"Build of instance {stuck} was not scheduled within 20 s"
    assert rig.mappings.rows[stuck].cell_uuid == rig.cells.zero.uuid
    assert stuck not in rig.placement.allocations
    assert list(rig.build_requests.rows) == [fresh]

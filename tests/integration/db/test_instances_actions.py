"""InstanceActionRepository against SQLite, PostgreSQL and MariaDB (``db`` fixture)."""

from __future__ import annotations

import datetime

import pytest

from novalite.db.engine import Database
from novalite.db.repositories.instance_actions import InstanceActionRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.instance import Instance, InstanceAction, InstanceActionEvent
from novalite.errors import InstanceActionEventNotFound, InstanceActionNotFound, MarkerNotFound

UTC = datetime.UTC
T0 = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture
async def instance_uuid(db: Database) -> str:
    created = await InstanceRepository(db).create(Instance(project_id="p1", user_id="u1"))
    return created.uuid


async def test_action_with_events(db: Database, instance_uuid: str) -> None:
    repo = InstanceActionRepository(db)
    action = await repo.action_start(
        InstanceAction(
            action="create", instance_uuid=instance_uuid, request_id="req-1", project_id="p1"
        )
    )
    assert action.id is not None and action.start_time is not None
    assert action.updated_at is not None and action.message is None

    started = await repo.event_start(instance_uuid, "req-1", "conductor_schedule", "c1")
    assert started.id is not None and started.result is None and started.host == "c1"
    ok = await repo.event_finish(instance_uuid, "req-1", "conductor_schedule", "Success")
    assert ok.result == "Success" and ok.finish_time is not None
    assert (await repo.get(instance_uuid, "req-1")).message is None

    await repo.event_start(instance_uuid, "req-1", "compute_build", "h1")
    failed = await repo.event_finish(
        instance_uuid, "req-1", "compute_build", "Error", traceback="Traceback...", details="boom"
    )
    assert failed.result == "Error" and failed.traceback == "Traceback..."
    assert failed.details == "boom"
    await repo.action_finish(instance_uuid, "req-1")

    got = await repo.get(instance_uuid, "req-1")
    assert got.message == "Error" and got.finish_time is not None
    assert [e.event for e in got.events] == ["compute_build", "conductor_schedule"]
    assert got.updated_at is not None and got.updated_at >= action.updated_at


async def test_action_recorded_with_its_finished_events_at_once(
    db: Database, instance_uuid: str
) -> None:
    repo = InstanceActionRepository(db)
    now = datetime.datetime.now(datetime.UTC)
    done = InstanceActionEvent(
        event="conductor_schedule", start_time=now, finish_time=now, result="Success", host="c1"
    )
    await repo.action_start(
        InstanceAction(
            action="create", instance_uuid=instance_uuid, request_id="req-2", events=[done]
        )
    )
    (event,) = (await repo.get(instance_uuid, "req-2")).events
    assert (event.event, event.result, event.host) == ("conductor_schedule", "Success", "c1")
    assert event.finish_time is not None


async def test_action_errors(db: Database, instance_uuid: str) -> None:
    repo = InstanceActionRepository(db)
    with pytest.raises(InstanceActionNotFound):
        await repo.event_start(instance_uuid, "req-x", "e", None)
    with pytest.raises(InstanceActionNotFound):
        await repo.get(instance_uuid, "req-x")
    with pytest.raises(InstanceActionNotFound):
        await repo.action_finish(instance_uuid, "req-x")
    await repo.action_start(
        InstanceAction(action="stop", instance_uuid=instance_uuid, request_id="r")
    )
    with pytest.raises(InstanceActionEventNotFound):
        await repo.event_finish(instance_uuid, "r", "never-started", "Success")
    with pytest.raises(MarkerNotFound):
        await repo.list(instance_uuid, marker="nope")


async def test_list_newest_first_with_marker_and_changes(db: Database, instance_uuid: str) -> None:
    repo = InstanceActionRepository(db)
    for n in range(5):
        await repo.action_start(
            InstanceAction(
                action=f"a{n}",
                instance_uuid=instance_uuid,
                request_id=f"req-{n}",
                start_time=T0 + datetime.timedelta(seconds=n // 2),
            )
        )
    listed = await repo.list(instance_uuid)
    assert [a.request_id for a in listed] == ["req-4", "req-3", "req-2", "req-1", "req-0"]
    assert all(a.events == [] for a in listed)
    page = await repo.list(instance_uuid, limit=2, marker="req-3")
    assert [a.request_id for a in page] == ["req-2", "req-1"]
    assert [a.request_id for a in await repo.list(instance_uuid, marker="req-0")] == []

    await repo.event_start(instance_uuid, "req-1", "e", None)
    since = datetime.datetime.now(UTC) - datetime.timedelta(seconds=5)
    assert [a.request_id for a in await repo.list(instance_uuid, changes_since=since)] == ["req-1"]
    before = T0 + datetime.timedelta(seconds=1)
    assert [a.request_id for a in await repo.list(instance_uuid, changes_before=before)] == [
        "req-3",
        "req-2",
        "req-0",
    ]
    assert await repo.list("00000000-0000-0000-0000-00000000dead") == []


async def test_event_finish_takes_the_newest_action_and_its_newest_unfinished_event(
    db: Database, instance_uuid: str
) -> None:
    repo = InstanceActionRepository(db)
    await repo.action_start(
        InstanceAction(action="a", instance_uuid=instance_uuid, request_id="dup", start_time=T0)
    )
    await repo.event_start(instance_uuid, "dup", "e", "h0")
    newest = await repo.action_start(
        InstanceAction(
            action="b",
            instance_uuid=instance_uuid,
            request_id="dup",
            start_time=T0 + datetime.timedelta(seconds=1),
        )
    )
    with pytest.raises(InstanceActionEventNotFound) as raised:
        await repo.event_finish(instance_uuid, "dup", "e", "Success")
    assert raised.value.kwargs == {"event": "e", "action_id": newest.id}

    first = await repo.event_start(instance_uuid, "dup", "e", "h1")
    second = await repo.event_start(instance_uuid, "dup", "e", "h2")
    await repo.event_start(instance_uuid, "dup", "other", "h3")
    assert first.action_id == second.action_id == newest.id
    finished = await repo.event_finish(instance_uuid, "dup", "e", "Success")
    assert (finished.id, finished.result, finished.host) == (second.id, "Success", "h2")
    assert finished.finish_time is not None and finished.changes() == {}
    failed = await repo.event_finish(
        instance_uuid, "dup", "e", "error", traceback="tb", details="boom"
    )
    assert (failed.id, failed.result, failed.traceback, failed.details) == (
        first.id,
        "error",
        "tb",
        "boom",
    )
    again = await repo.event_finish(instance_uuid, "dup", "e", "Success")
    assert again.id == second.id

    got = await repo.get(instance_uuid, "dup")
    assert (got.id, got.action, got.message) == (newest.id, "b", "Error")
    assert [(e.event, e.result) for e in got.events] == [
        ("other", None),
        ("e", "Success"),
        ("e", "error"),
    ]

"""Repositories against real SQLite, PostgreSQL and MariaDB databases (``db`` fixture)."""

from __future__ import annotations

import asyncio
import datetime
from typing import Any

import pytest
from sqlalchemy import text

from novalite.db.engine import Database
from novalite.db.models import cell as cell_models
from novalite.db.repositories import (
    CellMappingRepository,
    ComputeNodeRepository,
    HostMappingRepository,
    ServiceRepository,
)
from novalite.domain.cell import CELL0_UUID, CellMapping, HostMapping
from novalite.domain.compute_node import ComputeNode
from novalite.domain.service import Service
from novalite.errors import (
    CellMappingInUse,
    CellMappingNotFound,
    ComputeHostNotFound,
    DBDuplicateEntry,
    HostMappingNotFound,
    ServiceNotFound,
)

UTC = datetime.UTC


def _cell(name: str = "cell1", **kw: Any) -> CellMapping:
    return CellMapping(
        name=name,
        transport_url=f"rabbit://guest:guest@mq/{name}",
        database_connection=f"sqlite:////tmp/{name}.sqlite",
        **kw,
    )


def _node(host: str = "host1", nodename: str = "node1", **kw: Any) -> ComputeNode:
    return ComputeNode(
        host=host, hypervisor_hostname=nodename, vcpus=8, memory_mb=16384, local_gb=100, **kw
    )


def _assert_recent_utc(value: datetime.datetime | None) -> None:
    assert value is not None
    assert value.tzinfo is not None and value.utcoffset() == datetime.timedelta(0)
    now = datetime.datetime.now(UTC)
    # MySQL DATETIME keeps whole seconds (and may round up): allow a little slack.
    assert now - datetime.timedelta(seconds=30) <= value <= now + datetime.timedelta(seconds=1)


# -- cell mappings ----------------------------------------------------------------------------


async def test_cell_mapping_create_and_get(db: Database) -> None:
    repo = CellMappingRepository(db)
    created = await repo.create(_cell())
    assert created.id is not None
    assert created.changes() == {}
    _assert_recent_utc(created.created_at)
    assert created.updated_at is None

    fetched = await repo.get_by_uuid(created.uuid)
    assert fetched == created
    assert fetched.transport_url == "rabbit://guest:guest@mq/cell1"
    assert fetched.disabled is False

    with pytest.raises(CellMappingNotFound):
        await repo.get_by_uuid("00000000-0000-0000-0000-00000000ffff")


async def test_cell_mapping_duplicate_uuid(db: Database) -> None:
    repo = CellMappingRepository(db)
    first = await repo.create(_cell())
    with pytest.raises(DBDuplicateEntry) as excinfo:
        await repo.create(_cell("other", uuid=first.uuid))
    assert excinfo.value.kwargs["columns"] == ["uuid"]
    assert [c.name for c in await repo.list_all()] == ["cell1"]


async def test_cell_mapping_names_cell0_and_listing(db: Database) -> None:
    repo = CellMappingRepository(db)
    with pytest.raises(CellMappingNotFound):
        await repo.get_cell0()
    cell0 = await repo.create(_cell("cell0", uuid=CELL0_UUID))
    a = await repo.create(_cell("twin"))
    b = await repo.create(_cell("twin"))

    assert (await repo.get_cell0()).is_cell0
    assert [c.uuid for c in await repo.get_by_name("twin")] == [a.uuid, b.uuid]
    assert await repo.get_by_name("nobody") == []
    assert [c.uuid for c in await repo.list_all()] == [cell0.uuid, a.uuid, b.uuid]


async def test_cell_mapping_save_writes_only_changes(db: Database) -> None:
    repo = CellMappingRepository(db)
    created = await repo.create(_cell())
    first = await repo.get_by_uuid(created.uuid)
    second = await repo.get_by_uuid(created.uuid)

    first.name = "renamed"
    second.disabled = True
    assert second.changes() == {"disabled": True}
    await repo.save(first)
    saved = await repo.save(second)  # must not put the old name back

    assert saved is second and second.changes() == {}
    _assert_recent_utc(second.updated_at)
    stored = await repo.get_by_uuid(created.uuid)
    assert (stored.name, stored.disabled) == ("renamed", True)


async def test_cell_mapping_delete_refused_while_in_use(db: Database) -> None:
    cells, hosts = CellMappingRepository(db), HostMappingRepository(db)
    cell = await cells.create(_cell())
    await hosts.create(HostMapping(host="compute1", cell_uuid=cell.uuid))

    assert (await cells.usage(cell.uuid)).hosts == 1
    with pytest.raises(CellMappingInUse):
        await cells.delete(cell.uuid)
    assert (await cells.get_by_uuid(cell.uuid)).uuid == cell.uuid

    await cells.delete(cell.uuid, force=True)
    with pytest.raises(CellMappingNotFound):
        await cells.get_by_uuid(cell.uuid)
    with pytest.raises(HostMappingNotFound):
        await hosts.get_by_host("compute1")
    with pytest.raises(CellMappingNotFound):
        await cells.delete(cell.uuid)


async def test_cell_mapping_delete_unused(db: Database) -> None:
    repo = CellMappingRepository(db)
    cell = await repo.create(_cell())
    usage = await repo.usage(cell.uuid)
    assert (usage.hosts, usage.instances, usage.in_use) == (0, 0, False)
    await repo.delete(cell.uuid)
    assert await repo.list_all() == []


# -- host mappings ----------------------------------------------------------------------------


async def test_host_mappings(db: Database) -> None:
    cells, repo = CellMappingRepository(db), HostMappingRepository(db)
    cell1, cell2 = await cells.create(_cell("cell1")), await cells.create(_cell("cell2"))
    m1 = await repo.create(HostMapping(host="compute1", cell_uuid=cell1.uuid))
    await repo.create(HostMapping(host="compute2", cell_uuid=cell1.uuid))
    await repo.create(HostMapping(host="compute3", cell_uuid=cell2.uuid))

    assert m1.id is not None and m1.cell_uuid == cell1.uuid
    _assert_recent_utc(m1.created_at)
    got = await repo.get_by_host("compute1")
    assert got == m1
    assert [m.host for m in await repo.list_for_cell(cell1.uuid)] == ["compute1", "compute2"]
    assert [m.host for m in await repo.list_for_cell(cell2.uuid)] == ["compute3"]

    with pytest.raises(DBDuplicateEntry) as excinfo:
        await repo.create(HostMapping(host="compute1", cell_uuid=cell2.uuid))
    assert excinfo.value.kwargs["columns"] == ["host"]
    with pytest.raises(CellMappingNotFound):
        await repo.create(HostMapping(host="compute9", cell_uuid="no-such-cell"))

    await repo.delete("compute1")
    with pytest.raises(HostMappingNotFound):
        await repo.get_by_host("compute1")
    with pytest.raises(HostMappingNotFound):
        await repo.delete("compute1")


# -- services ---------------------------------------------------------------------------------


async def test_service_create_and_lookups(db: Database) -> None:
    repo = ServiceRepository(db)
    svc = await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    assert svc.id is not None and svc.report_count == 0 and svc.changes() == {}
    _assert_recent_utc(svc.created_at)

    assert await repo.get_by_id(svc.id) == svc
    assert await repo.get_by_uuid(svc.uuid) == svc
    assert await repo.get_by_host_and_binary("h1", "nova-compute") == svc
    with pytest.raises(ServiceNotFound):
        await repo.get_by_host_and_binary("h1", "nova-scheduler")
    with pytest.raises(ServiceNotFound):
        await repo.get_by_id(svc.id + 1000)


async def test_service_duplicates(db: Database) -> None:
    repo = ServiceRepository(db)
    await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    with pytest.raises(DBDuplicateEntry) as excinfo:
        await repo.create(Service(host="h1", binary="nova-compute", topic="other"))
    assert {"host", "binary"} <= set(excinfo.value.kwargs["columns"])
    with pytest.raises(DBDuplicateEntry) as excinfo:
        await repo.create(Service(host="h1", binary="nova-other", topic="compute"))
    assert {"host", "topic"} <= set(excinfo.value.kwargs["columns"])
    # The same binary on another host is fine.
    await repo.create(Service(host="h2", binary="nova-compute", topic="compute"))


async def test_service_list_filters(db: Database) -> None:
    repo = ServiceRepository(db)
    a = await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    b = await repo.create(Service(host="h1", binary="nova-scheduler", topic="scheduler"))
    c = await repo.create(Service(host="h2", binary="nova-compute", topic="compute"))
    c.disabled, c.disabled_reason = True, "maintenance"
    await repo.save(c)

    def ids(services: list[Service]) -> list[int | None]:
        return [s.id for s in services]

    assert ids(await repo.list()) == [a.id, b.id, c.id]
    assert ids(await repo.list(host="h1")) == [a.id, b.id]
    assert ids(await repo.list(binary="nova-compute")) == [a.id, c.id]
    assert ids(await repo.list(topic="scheduler")) == [b.id]
    assert ids(await repo.list(binary="nova-compute", include_disabled=False)) == [a.id]
    assert ids(await repo.list(host="h3")) == []


async def test_service_save_writes_only_changes(db: Database) -> None:
    repo = ServiceRepository(db)
    created = await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    assert created.id is not None
    first = await repo.get_by_id(created.id)
    second = await repo.get_by_id(created.id)

    first.disabled, first.disabled_reason = True, "maintenance"
    second.forced_down = True
    await repo.save(first)
    await repo.save(second)  # its stale disabled=False must not be written
    stored = await repo.get_by_id(created.id)
    assert (stored.disabled, stored.disabled_reason, stored.forced_down) == (
        True,
        "maintenance",
        True,
    )
    _assert_recent_utc(stored.updated_at)
    assert second.changes() == {}

    unchanged = await repo.get_by_id(created.id)
    assert await repo.save(unchanged) is unchanged  # nothing to write: no error, no-op


async def test_service_heartbeat(db: Database) -> None:
    repo = ServiceRepository(db)
    svc = await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    assert svc.id is not None and svc.last_seen_up is None

    beaten = await repo.heartbeat(svc.id)
    assert beaten.report_count == 1
    _assert_recent_utc(beaten.last_seen_up)
    _assert_recent_utc(beaten.updated_at)
    assert beaten.is_up(service_down_time=60)

    # Concurrent heartbeats are all counted (the increment happens in the database).
    await asyncio.gather(*(repo.heartbeat(svc.id) for _ in range(8)))
    assert (await repo.get_by_id(svc.id)).report_count == 9

    with pytest.raises(ServiceNotFound):
        await repo.heartbeat(svc.id + 1000)


async def test_service_soft_delete(db: Database) -> None:
    repo, nodes = ServiceRepository(db), ComputeNodeRepository(db)
    svc = await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    assert svc.id is not None
    other = await nodes.create(_node("h2", "n2"))
    await nodes.create(_node("h1", "n1"))

    await repo.destroy(svc.id)

    with pytest.raises(ServiceNotFound):
        await repo.get_by_id(svc.id)
    with pytest.raises(ServiceNotFound):
        await repo.heartbeat(svc.id)
    with pytest.raises(ServiceNotFound):
        await repo.destroy(svc.id)
    assert await repo.list() == []
    # The compute service's nodes went with it; other hosts' nodes stay.
    assert [n.id for n in await nodes.list()] == [other.id]

    async with db.reader() as session:
        row = await session.get(cell_models.Service, svc.id)
    assert row is not None and row.deleted == svc.id
    _assert_recent_utc(row.deleted_at)

    # (host, binary) is free again once the old row is soft-deleted.
    again = await repo.create(Service(host="h1", binary="nova-compute", topic="compute"))
    assert again.id != svc.id


# -- compute nodes ----------------------------------------------------------------------------


async def test_compute_node_create_and_lookups(db: Database) -> None:
    repo = ComputeNodeRepository(db)
    node = await repo.create(_node(cpu_allocation_ratio=16.0))
    assert node.id is not None and node.mapped is False and node.changes() == {}
    _assert_recent_utc(node.created_at)

    assert await repo.get_by_id(node.id) == node
    assert await repo.get_by_uuid(node.uuid) == node
    assert await repo.get_by_host_and_nodename("host1", "node1") == node
    assert (await repo.get_by_uuid(node.uuid)).cpu_allocation_ratio == 16.0
    with pytest.raises(ComputeHostNotFound):
        await repo.get_by_host_and_nodename("host1", "node2")

    with pytest.raises(DBDuplicateEntry) as excinfo:
        await repo.create(_node())
    assert {"host", "hypervisor_hostname"} <= set(excinfo.value.kwargs["columns"])


async def test_compute_node_list_mapping_and_destroy(db: Database) -> None:
    repo = ComputeNodeRepository(db)
    n1 = await repo.create(_node("h1", "n1"))
    n2 = await repo.create(_node("h1", "n2"))
    n3 = await repo.create(_node("h2", "n3"))
    assert n1.id is not None and n2.id is not None and n3.id is not None

    assert [n.id for n in await repo.list()] == [n1.id, n2.id, n3.id]
    assert [n.id for n in await repo.list(host="h1")] == [n1.id, n2.id]
    assert [n.id for n in await repo.list_unmapped()] == [n1.id, n2.id, n3.id]

    assert await repo.mark_mapped([n1.id, n3.id]) == 2
    assert await repo.mark_mapped([]) == 0
    assert [n.id for n in await repo.list_unmapped()] == [n2.id]
    assert (await repo.get_by_id(n1.id)).mapped is True

    await repo.destroy(n2.id)
    assert [n.id for n in await repo.list()] == [n1.id, n3.id]
    assert await repo.list_unmapped() == []
    with pytest.raises(ComputeHostNotFound):
        await repo.destroy(n2.id)
    # A destroyed node frees its (host, nodename).
    await repo.create(_node("h1", "n2"))


async def test_compute_node_save_writes_only_changes(db: Database) -> None:
    repo = ComputeNodeRepository(db)
    created = await repo.create(_node())
    assert created.id is not None
    first = await repo.get_by_id(created.id)
    second = await repo.get_by_id(created.id)

    first.vcpus_used, first.memory_mb_used = 4, 2048
    second.mapped = True
    await repo.save(first)
    await repo.save(second)

    stored = await repo.get_by_id(created.id)
    assert (stored.vcpus_used, stored.memory_mb_used, stored.mapped) == (4, 2048, True)
    _assert_recent_utc(stored.updated_at)

    await repo.destroy(created.id)
    stored.running_vms = 1
    with pytest.raises(ComputeHostNotFound):
        await repo.save(stored)


async def test_datetimes_are_stored_as_naive_utc(db: Database) -> None:
    """An aware non-UTC time is converted to UTC on the way in, and read back aware."""
    repo = ServiceRepository(db)
    svc = await repo.create(Service(host="h1", binary="nova-compute"))
    assert svc.id is not None
    paris = datetime.timezone(datetime.timedelta(hours=2))
    svc.last_seen_up = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=paris)
    await repo.save(svc)

    stored = await repo.get_by_id(svc.id)
    assert stored.last_seen_up == datetime.datetime(2024, 5, 1, 10, 0, 0, tzinfo=UTC)
    async with db.reader() as session:
        result = await session.execute(
            text("SELECT last_seen_up FROM services WHERE id = :id"), {"id": svc.id}
        )
        raw = result.scalar_one()
    # Naive in the database (SQLite hands back the text it stored).
    assert str(raw).startswith("2024-05-01 10:00:00")
    assert "+" not in str(raw)

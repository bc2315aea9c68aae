"""API-database repositories of the build flow: build requests, specs, mappings, groups."""

from __future__ import annotations

import asyncio
import datetime

import pytest

from novalite.db.engine import Database
from novalite.db.repositories import CellMappingRepository
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.request_specs import RequestSpecRepository
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.domain.cell import CellMapping
from novalite.domain.flavor import Flavor
from novalite.domain.instance import BuildRequest, Instance, InstanceMapping
from novalite.domain.request_spec import Destination, RequestSpec
from novalite.domain.server_group import ServerGroup
from novalite.errors import (
    BuildRequestAlreadyExists,
    BuildRequestNotFound,
    CellMappingNotFound,
    DBDuplicateEntry,
    InstanceGroupIdExists,
    InstanceGroupNotFound,
    InstanceMappingNotFound,
    RequestSpecNotFound,
)

UUID_A = "aaaaaaaa-0000-0000-0000-000000000001"
UUID_B = "bbbbbbbb-0000-0000-0000-000000000002"
MISSING = "00000000-0000-0000-0000-00000000dead"


def _build_request(uuid: str = UUID_A, project_id: str = "p1") -> BuildRequest:
    instance = Instance(
        uuid=uuid,
        project_id=project_id,
        user_id="u1",
        display_name="vm",
        flavor=Flavor(flavorid="1", name="tiny", memory_mb=512, vcpus=1, extra_specs={"a": "b"}),
        metadata={"k": "v"},
        task_state="scheduling",
    )
    return BuildRequest(instance_uuid=uuid, project_id=project_id, instance=instance, tags=["t"])


# -- build requests ---------------------------------------------------------------------------


async def test_build_request_round_trip(db: Database) -> None:
    repo = BuildRequestRepository(db)
    created = await repo.create(_build_request())
    assert created.id is not None and created.created_at is not None
    assert created.changes() == {}
    fetched = await repo.get(UUID_A)
    assert fetched == created
    assert fetched.tags == ["t"]
    instance = fetched.instance
    assert instance.uuid == UUID_A and instance.metadata == {"k": "v"}
    assert instance.flavor is not None and instance.flavor.extra_specs == {"a": "b"}
    assert instance.created_at == fetched.created_at
    assert instance.changes() == {}
    with pytest.raises(BuildRequestNotFound):
        await repo.get(MISSING)
    with pytest.raises(BuildRequestAlreadyExists):
        await repo.create(_build_request())


async def test_build_request_list_get_many_delete(db: Database) -> None:
    repo = BuildRequestRepository(db)
    await repo.create(_build_request(UUID_A, "p1"))
    await repo.create(_build_request(UUID_B, "p2"))
    assert [b.instance_uuid for b in await repo.list()] == [UUID_A, UUID_B]
    assert [b.instance_uuid for b in await repo.list("p2")] == [UUID_B]
    assert set(await repo.get_many([UUID_A, UUID_B, MISSING])) == {UUID_A, UUID_B}

    assert await repo.delete(UUID_A) is True
    assert await repo.delete(UUID_A) is False
    assert await repo.delete(MISSING) is False
    assert set(await repo.get_many([UUID_A, UUID_B])) == {UUID_B}


async def test_build_request_save_instance(db: Database) -> None:
    repo = BuildRequestRepository(db)
    created = await repo.create(_build_request())
    instance = (await repo.get(UUID_A)).instance
    instance.display_name = "renamed"
    saved = await repo.save_instance(instance)
    assert saved.id == created.id and saved.changes() == {}
    assert saved.instance.display_name == "renamed" and saved.instance.changes() == {}
    assert saved.instance.created_at == created.created_at
    assert await repo.get(UUID_A) == saved
    assert await repo.save_instance(saved.instance) == saved
    instance.uuid = MISSING
    with pytest.raises(BuildRequestNotFound):
        await repo.save_instance(instance)


async def test_build_request_concurrent_delete_has_one_winner(db: Database) -> None:
    repo = BuildRequestRepository(db)
    await repo.create(_build_request())
    results = await asyncio.gather(*(repo.delete(UUID_A) for _ in range(4)))
    assert sorted(results) == [False, False, False, True]


async def _cell(db: Database) -> CellMapping:
    return await CellMappingRepository(db).create(
        CellMapping(name="cell1", transport_url="rabbit://", database_connection="sqlite://")
    )


def _spec(uuid: str) -> RequestSpec:
    return RequestSpec(instance_uuid=uuid, instance_uuids=[uuid], flavor_id="1", memory_mb=512)


async def test_create_accepted_stores_requests_specs_and_mappings(db: Database) -> None:
    repo = BuildRequestRepository(db)
    first, second = _build_request(UUID_A, "p1"), _build_request(UUID_B, "p2")
    second.instance.user_id = "u2"
    await repo.create_accepted([first, second], [_spec(UUID_A), _spec(UUID_B)])

    stored = await repo.get_many([UUID_A, UUID_B])
    assert set(stored) == {UUID_A, UUID_B}
    assert stored[UUID_A].project_id == "p1" and stored[UUID_B].project_id == "p2"
    assert stored[UUID_A].tags == ["t"] and stored[UUID_A].instance.metadata == {"k": "v"}
    assert stored[UUID_A].created_at is not None

    specs = RequestSpecRepository(db)
    assert await specs.get(UUID_A) == _spec(UUID_A)
    assert await specs.get(UUID_B) == _spec(UUID_B)

    mappings = InstanceMappingRepository(db)
    for uuid, project_id, user_id in ((UUID_A, "p1", "u1"), (UUID_B, "p2", "u2")):
        mapping = await mappings.get(uuid)
        assert mapping.cell_uuid is None
        assert mapping.project_id == project_id and mapping.user_id == user_id
        assert mapping.queued_for_delete is False


async def test_create_accepted_without_specs(db: Database) -> None:
    """An empty list inserts nothing (not a row of column defaults)."""
    repo = BuildRequestRepository(db)
    await repo.create_accepted([_build_request(UUID_A)], [])
    assert (await repo.get(UUID_A)).instance_uuid == UUID_A
    assert (await InstanceMappingRepository(db).get(UUID_A)).cell_uuid is None
    with pytest.raises(RequestSpecNotFound):
        await RequestSpecRepository(db).get(UUID_A)
    await repo.create_accepted([], [])


async def test_create_accepted_duplicate_stores_nothing(db: Database) -> None:
    repo = BuildRequestRepository(db)
    existing = await repo.create(_build_request(UUID_B, "p2"))
    with pytest.raises(BuildRequestAlreadyExists):
        await repo.create_accepted(
            [_build_request(UUID_A), _build_request(UUID_B)], [_spec(UUID_A), _spec(UUID_B)]
        )

    with pytest.raises(BuildRequestNotFound):
        await repo.get(UUID_A)
    with pytest.raises(RequestSpecNotFound):
        await RequestSpecRepository(db).get(UUID_A)
    with pytest.raises(RequestSpecNotFound):
        await RequestSpecRepository(db).get(UUID_B)
    mappings = InstanceMappingRepository(db)
    assert await mappings.get_many([UUID_A, UUID_B]) == {}
    assert await repo.get(UUID_B) == existing
    assert [b.instance_uuid for b in await repo.list()] == [UUID_B]


async def test_create_accepted_duplicate_mapping_stores_nothing(db: Database) -> None:
    """An instance mapped already (no build request) fails the whole call too."""
    await InstanceMappingRepository(db).create(
        InstanceMapping(instance_uuid=UUID_B, project_id="p")
    )
    repo = BuildRequestRepository(db)
    with pytest.raises(BuildRequestAlreadyExists):
        await repo.create_accepted(
            [_build_request(UUID_A), _build_request(UUID_B)], [_spec(UUID_A), _spec(UUID_B)]
        )
    assert await repo.list() == []
    with pytest.raises(RequestSpecNotFound):
        await RequestSpecRepository(db).get(UUID_A)
    assert set(await InstanceMappingRepository(db).get_many([UUID_A, UUID_B])) == {UUID_B}


async def test_hand_over_moves_mapping_and_deletes_build_request(db: Database) -> None:
    cell = await _cell(db)
    repo = BuildRequestRepository(db)
    await repo.create_accepted(
        [_build_request(UUID_A), _build_request(UUID_B)], [_spec(UUID_A), _spec(UUID_B)]
    )

    assert await repo.hand_over(UUID_A, cell.uuid) is True

    assert (await InstanceMappingRepository(db).get(UUID_A)).cell_uuid == cell.uuid
    with pytest.raises(BuildRequestNotFound):
        await repo.get(UUID_A)
    # The other instance is untouched.
    assert (await InstanceMappingRepository(db).get(UUID_B)).cell_uuid is None
    assert (await repo.get(UUID_B)).instance_uuid == UUID_B


async def test_hand_over_after_build_request_deleted(db: Database) -> None:
    cell = await _cell(db)
    repo = BuildRequestRepository(db)
    await repo.create_accepted([_build_request(UUID_A)], [_spec(UUID_A)])
    assert await repo.delete(UUID_A) is True

    assert await repo.hand_over(UUID_A, cell.uuid) is False
    assert (await InstanceMappingRepository(db).get(UUID_A)).cell_uuid == cell.uuid
    # Handing over twice: still False, still in the cell.
    assert await repo.hand_over(UUID_A, cell.uuid) is False
    assert (await InstanceMappingRepository(db).get(UUID_A)).cell_uuid == cell.uuid


async def test_hand_over_unknown_cell_keeps_build_request(db: Database) -> None:
    repo = BuildRequestRepository(db)
    await repo.create_accepted([_build_request(UUID_A)], [_spec(UUID_A)])

    with pytest.raises(CellMappingNotFound):
        await repo.hand_over(UUID_A, MISSING)

    assert (await repo.get(UUID_A)).instance_uuid == UUID_A
    assert (await InstanceMappingRepository(db).get(UUID_A)).cell_uuid is None


async def test_hand_over_without_mapping_keeps_build_request(db: Database) -> None:
    cell = await _cell(db)
    repo = BuildRequestRepository(db)
    await repo.create(_build_request(UUID_A))

    with pytest.raises(InstanceMappingNotFound):
        await repo.hand_over(UUID_A, cell.uuid)
    assert (await repo.get(UUID_A)).instance_uuid == UUID_A
    with pytest.raises(InstanceMappingNotFound):
        await repo.hand_over(MISSING, cell.uuid)


# -- request specs ----------------------------------------------------------------------------


async def test_request_spec_save_get_replace(db: Database) -> None:
    repo = RequestSpecRepository(db)
    spec = RequestSpec(
        instance_uuid=UUID_A,
        instance_uuids=[UUID_A, UUID_B],
        num_instances=2,
        flavor_id="1",
        memory_mb=512,
        extra_specs={"hw:cpu_policy": "shared"},
        image_properties={"hw_disk_bus": "virtio", "min_ram": 0},
        scheduler_hints={"group": ["g1"]},
        instance_group=ServerGroup(policy="affinity", members=[UUID_B]),
        requested_destination=Destination(host="h1"),
    )
    await repo.save(spec)
    fetched = await repo.get(UUID_A)
    assert fetched == spec
    assert fetched.instance_group is not None and fetched.instance_group.members == [UUID_B]
    assert fetched.requested_destination == Destination(host="h1")
    assert fetched.changes() == {}

    fetched.ignore_hosts = ["h1"]
    await repo.save(fetched)
    assert (await repo.get(UUID_A)).ignore_hosts == ["h1"]
    with pytest.raises(RequestSpecNotFound):
        await repo.get(MISSING)


# -- instance mappings ------------------------------------------------------------------------


async def test_instance_mapping_lifecycle(db: Database) -> None:
    cells = CellMappingRepository(db)
    cell = await cells.create(
        CellMapping(name="cell1", transport_url="rabbit://", database_connection="sqlite://")
    )
    repo = InstanceMappingRepository(db)
    created = await repo.create(InstanceMapping(instance_uuid=UUID_A, project_id="p1"))
    assert created.id is not None and created.cell_uuid is None
    assert created.queued_for_delete is False and created.changes() == {}
    with pytest.raises(DBDuplicateEntry):
        await repo.create(InstanceMapping(instance_uuid=UUID_A, project_id="p1"))

    moved = await repo.set_cell(UUID_A, cell.uuid)
    assert moved.cell_uuid == cell.uuid
    assert (await repo.get(UUID_A)).cell_uuid == cell.uuid
    with pytest.raises(CellMappingNotFound):
        await repo.set_cell(UUID_A, MISSING)

    await repo.set_queued_for_delete(UUID_A)
    assert (await repo.get(UUID_A)).queued_for_delete is True
    await repo.set_queued_for_delete(UUID_A, False)
    assert (await repo.get(UUID_A)).queued_for_delete is False

    other = await repo.create(
        InstanceMapping(instance_uuid=UUID_B, project_id="p2", user_id="u", cell_uuid=cell.uuid)
    )
    assert other.cell_uuid == cell.uuid and other.user_id == "u"
    many = await repo.get_many([UUID_A, UUID_B, MISSING])
    assert set(many) == {UUID_A, UUID_B} and many[UUID_B] == other

    await repo.delete(UUID_A)
    with pytest.raises(InstanceMappingNotFound):
        await repo.get(UUID_A)
    with pytest.raises(InstanceMappingNotFound):
        await repo.delete(UUID_A)
    with pytest.raises(InstanceMappingNotFound):
        await repo.set_cell(UUID_A, cell.uuid)
    with pytest.raises(InstanceMappingNotFound):
        await repo.set_queued_for_delete(UUID_A)
    with pytest.raises(CellMappingNotFound):
        await repo.create(InstanceMapping(instance_uuid=UUID_A, project_id="p", cell_uuid=MISSING))


async def test_instance_mapping_created_at_is_utc(db: Database) -> None:
    repo = InstanceMappingRepository(db)
    created = await repo.create(InstanceMapping(instance_uuid=UUID_A, project_id="p1"))
    assert created.created_at is not None
    assert created.created_at.utcoffset() == datetime.timedelta(0)


# -- server groups ----------------------------------------------------------------------------


async def test_server_group_create_get_members(db: Database) -> None:
    repo = ServerGroupRepository(db)
    group = await repo.create(
        ServerGroup(
            name="g",
            project_id="p1",
            user_id="u1",
            policy="anti-affinity",
            rules={"max_server_per_host": 2},
            members=[UUID_A],
        )
    )
    assert group.id is not None and group.changes() == {}
    fetched = await repo.get(group.uuid)
    assert fetched == group
    assert fetched.policy == "anti-affinity" and fetched.max_server_per_host == 2
    assert fetched.members == [UUID_A] and fetched.hosts == []
    with pytest.raises(InstanceGroupIdExists):
        await repo.create(ServerGroup(uuid=group.uuid, project_id="p1"))

    await repo.add_members(group.uuid, [UUID_A, UUID_B, UUID_B])
    assert (await repo.get(group.uuid)).members == [UUID_A, UUID_B]
    by_instance = await repo.get_by_instance(UUID_B)
    assert by_instance is not None and by_instance.uuid == group.uuid
    assert await repo.get_by_instance(MISSING) is None

    await repo.remove_member(UUID_A)
    await repo.remove_member(MISSING)
    assert (await repo.get(group.uuid)).members == [UUID_B]
    assert await repo.get_by_instance(UUID_A) is None
    with pytest.raises(InstanceGroupNotFound):
        await repo.add_members(MISSING, [UUID_A])


async def test_server_group_list_and_delete(db: Database) -> None:
    repo = ServerGroupRepository(db)
    made = [
        await repo.create(ServerGroup(name=f"g{n}", project_id=f"p{n % 2}", policy="affinity"))
        for n in range(5)
    ]
    assert [g.uuid for g in await repo.list(None)] == [g.uuid for g in made]
    assert [g.name for g in await repo.list("p0")] == ["g0", "g2", "g4"]
    assert [g.name for g in await repo.list("p0", limit=1, offset=1)] == ["g2"]
    assert [g.name for g in await repo.list(None, offset=3)] == ["g3", "g4"]
    assert all(g.policy == "affinity" and g.rules == {} for g in await repo.list(None))

    await repo.add_members(made[0].uuid, [UUID_A])
    await repo.delete(made[0].uuid)
    with pytest.raises(InstanceGroupNotFound):
        await repo.get(made[0].uuid)
    with pytest.raises(InstanceGroupNotFound):
        await repo.delete(made[0].uuid)
    assert await repo.get_by_instance(UUID_A) is None


async def test_mappings_in_a_cell_newest_first_without_queued_deletes(db: Database) -> None:
    cell = await _cell(db)
    mappings = InstanceMappingRepository(db)
    uuids = [f"cccccccc-0000-0000-0000-00000000000{n}" for n in range(4)]
    for n, uuid in enumerate(uuids):  # created in this order (same second: id decides)
        project = "p2" if n == 3 else "p1"
        await mappings.create(
            InstanceMapping(instance_uuid=uuid, project_id=project, cell_uuid=cell.uuid)
        )
    await mappings.create(InstanceMapping(instance_uuid=UUID_A, project_id="p1"))
    await mappings.set_queued_for_delete(uuids[1])

    listed = await mappings.list_in_cell(cell.uuid, "p1")
    assert [m.instance_uuid for m in listed] == [uuids[2], uuids[0]]
    assert [m.instance_uuid for m in await mappings.list_in_cell(cell.uuid, None, 2)] == [
        uuids[3],
        uuids[2],
    ]
    assert await mappings.list_in_cell(MISSING, None) == []

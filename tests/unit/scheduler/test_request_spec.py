from novalite.domain.request_spec import Destination, RequestSpec
from novalite.domain.server_group import ServerGroup
from tests.unit.scheduler.fakes import spec


def test_round_trip_with_nested_group_and_destination() -> None:
    original = spec(
        instance_uuids=["a", "b"],
        num_instances=2,
        extra_specs={"trait:X": "required"},
        scheduler_hints={"different_host": ["z"]},
        instance_group=ServerGroup(policy="anti-affinity", rules={"max_server_per_host": 2}),
        requested_destination=Destination(host="h1"),
        member_of=[["agg"]],
    )
    copy = RequestSpec.from_primitive(original.to_primitive())
    assert copy == original
    assert isinstance(copy.instance_group, ServerGroup)
    assert copy.instance_group.max_server_per_host == 2
    assert isinstance(copy.requested_destination, Destination)


def test_hints_and_instance_uuids() -> None:
    s = spec(scheduler_hints={"same_host": "x"})
    assert s.hint("same_host") == ["x"]
    assert s.hint("group") == []
    assert s.all_instance_uuids == ["inst-1"]
    assert ServerGroup().max_server_per_host == 1

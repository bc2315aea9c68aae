import random
from typing import Any

import pytest

from novalite.domain.request_spec import Destination, RequestSpec
from novalite.domain.selection import Selection
from novalite.domain.server_group import ServerGroup
from novalite.errors import NoValidHost
from novalite.scheduler.framework import Pipeline
from novalite.scheduler.host_state import build_host_states
from novalite.scheduler.registry import SchedulerSettings, build_pipeline
from novalite.scheduler.selection import SchedulingRun, select_destinations
from novalite.scheduler.weighers.ram import RAMWeigher
from tests.unit.scheduler.fakes import FakeNode, candidates, spec

FLAVOR = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
PIPE = build_pipeline(SchedulerSettings())


def nodes(*names: str, **kwargs: Any) -> list[FakeNode]:
    return [FakeNode(n, **kwargs) for n in names]


def run(
    nodes_: list[FakeNode],
    pipe: Pipeline = PIPE,
    request: RequestSpec | None = None,
    **kwargs: Any,
) -> list[list[Selection]]:
    return select_destinations(
        request or spec(),
        candidates(nodes_, FLAVOR),
        [n.facts() for n in nodes_],
        pipe,
        **kwargs,
    )


def test_host_states_from_candidates() -> None:
    ns = nodes("h1", "h2")
    ns[0].used_memory_mb = 1000
    states, unknown = build_host_states(candidates(ns, FLAVOR), [ns[0].facts()])
    assert unknown == ["rp-h2"]
    assert [s.host for s in states] == ["h1"]
    assert states[0].free("MEMORY_MB") == 32768 - 1000
    states[0].consume(states[0].allocation_requests[0], "i1")
    assert states[0].used["MEMORY_MB"] == 1512 and "i1" in states[0].instances


def test_picks_most_free_ram_with_alternates_in_same_cell() -> None:
    ns = [
        FakeNode("a", memory_mb=4096),
        FakeNode("b", memory_mb=16384),
        FakeNode("c", memory_mb=8192),
        FakeNode("d", memory_mb=65536, cell_uuid="cell2"),
        FakeNode("e", memory_mb=2048),
    ]
    pipe = Pipeline(filters=[], weighers=[RAMWeigher()])
    request = spec()
    (result,) = select_destinations(
        request, candidates(ns, FLAVOR), [n.facts() for n in ns], pipe, max_attempts=3
    )
    assert result[0].service_host == "d"
    assert result[0].allocation_request["allocations"] == {"rp-d": {"resources": FLAVOR}}
    assert result[1:] == []  # nothing else in cell2

    ns[3].cell_uuid = "cell1"
    ns[3].memory_mb = 1024
    (result,) = select_destinations(
        request, candidates(ns, FLAVOR), [n.facts() for n in ns], pipe, max_attempts=3
    )
    assert [s.service_host for s in result] == ["b", "c", "a"]
    assert result[1].allocation_request["allocations"].keys() == {"rp-c"}


def test_anti_affinity_three_instances_land_on_three_hosts() -> None:
    group = ServerGroup(policy="anti-affinity", members=["i1", "i2", "i3"])
    request = spec(instance_uuids=["i1", "i2", "i3"], num_instances=3, instance_group=group)
    result = run(nodes("h1", "h2", "h3"), request=request)
    hosts = [r[0].service_host for r in result]
    assert sorted(hosts) == ["h1", "h2", "h3"]
    assert group.hosts == []  # the caller's spec is untouched
    # alternates exclude hosts chosen for the request and anti-affinity already used
    assert all(r[1:] == [] for r in result)


def test_anti_affinity_fourth_instance_is_no_valid_host_naming_the_filter() -> None:
    group = ServerGroup(policy="anti-affinity", members=["i1", "i2", "i3", "i4"])
    request = spec(instance_uuids=["i1", "i2", "i3", "i4"], num_instances=4, instance_group=group)
    with pytest.raises(NoValidHost) as info:
        run(nodes("h1", "h2", "h3"), request=request)
    err = info.value
    details = err.kwargs["details"]
    assert "instance 4 of 4 (i4)" in details
    assert "Placement returned 3 allocation candidate(s)" in details
    assert "ServerGroupAntiAffinityFilter removed 3" in details
    assert "h1: anti-affinity server group" in details
    assert err.kwargs["rejections"] == {"ServerGroupAntiAffinityFilter": 3}
    assert str(err) == (
        "No valid host was found. There are not enough hosts available. "
        "Hosts were rejected by: ServerGroupAntiAffinityFilter."
    )
    assert "h1" not in str(err)


def test_rejection_record_spans_filters_and_user_message_is_redacted() -> None:
    ns = [
        FakeNode("down", facts_kwargs={"service_up": False}),
        FakeNode("off", facts_kwargs={"service_disabled": True}),
        FakeNode("arm", facts_kwargs={"supported_instances": (("aarch64", "kvm", "hvm"),)}),
    ]
    request = spec(image_properties={"hw_architecture": "x86_64"})
    with pytest.raises(NoValidHost) as info:
        run(ns, request=request, query="resources=VCPU:1")
    diag = info.value.diagnostics  # type: ignore[attr-defined]
    assert diag.rejections.counts() == {"ComputeFilter": 2, "ImagePropertiesFilter": 1}
    assert diag.rejections.reason_for("arm") == (
        "ImagePropertiesFilter",
        "host supports no instance type with arch=x86_64",
    )
    details = info.value.kwargs["details"]
    assert "for resources=VCPU:1" in details
    assert "ComputeFilter removed 2 (down: compute service is down" in details
    assert "ComputeFilter, ImagePropertiesFilter" in str(info.value)


def test_no_candidates_from_placement() -> None:
    with pytest.raises(NoValidHost) as info:
        run([])
    assert "Placement returned 0 allocation candidate(s)" in info.value.kwargs["details"]
    assert "not enough hosts available" in str(info.value)


def test_host_subset_size_picks_among_the_best() -> None:
    ns = [FakeNode(f"h{i}", memory_mb=1000 * (i + 1)) for i in range(6)]
    pipe = Pipeline(filters=[], weighers=[RAMWeigher()])
    seen = set()
    for seed in range(40):
        (res,) = run(ns, pipe, host_subset_size=3, rng=random.Random(seed))
        seen.add(res[0].service_host)
    assert seen == {"h5", "h4", "h3"}


def test_ignore_force_and_requested_destination() -> None:
    ns = nodes("h1", "h2", "h3")
    (res,) = run(ns, request=spec(ignore_hosts=["h1", "h2"]))
    assert res[0].service_host == "h3"
    forced = nodes("h1", "h2", facts_kwargs={"service_disabled": True})
    (res,) = run(forced, request=spec(force_hosts=["h2"]))
    assert res[0].service_host == "h2"  # filters skipped
    dest = spec(requested_destination=Destination(host="h2"))
    with pytest.raises(NoValidHost) as info:
        run(nodes("h1", "h3"), request=dest)
    assert "RequestedDestination removed 2" in info.value.kwargs["details"]


def test_consumption_moves_next_instance_elsewhere() -> None:
    ns = [FakeNode("a", memory_mb=1024), FakeNode("b", memory_mb=1000)]
    pipe = Pipeline(filters=[], weighers=[RAMWeigher()])
    request = spec(instance_uuids=["i1", "i2"], num_instances=2)
    result = run(ns, pipe, request=request)
    assert [r[0].service_host for r in result] == ["a", "b"]
    assert [a.service_host for a in result[0][1:]] == []


def test_shuffle_best_same_weighed_hosts() -> None:
    ns = [FakeNode("a"), FakeNode("b"), FakeNode("c", memory_mb=1)]
    pipe = Pipeline(filters=[], weighers=[RAMWeigher()])
    plain = {run(ns, pipe, rng=random.Random(s))[0][0].service_host for s in range(20)}
    assert plain == {"a"}
    shuffled = {
        run(ns, pipe, rng=random.Random(s), shuffle_best_same_weighed_hosts=True)[0][0].service_host
        for s in range(20)
    }
    assert shuffled == {"a", "b"}


def test_selections_are_domain_objects_with_the_placement_version() -> None:
    (result,) = run(nodes("h1", "h2"), allocation_request_version="1.36")
    assert all(isinstance(s, Selection) for s in result)
    assert [s.allocation_request_version for s in result] == ["1.36", "1.36"]
    assert result[0].instance_uuid == result[1].instance_uuid == "inst-1"
    assert Selection.from_primitive(result[0].to_primitive()).service_host == (
        result[0].service_host
    )


def test_dropped_host_is_skipped_and_named_in_no_valid_host() -> None:
    ns = [FakeNode("a", memory_mb=4096), FakeNode("b", memory_mb=2048)]
    pipe = Pipeline(filters=[], weighers=[RAMWeigher()])
    scheduling = SchedulingRun(spec(), candidates(ns, FLAVOR), [n.facts() for n in ns], pipe)
    first = scheduling.rank(1, "inst-1")[0]
    assert first.host.host == "a"
    scheduling.drop(first, "placement refused the claim: full")
    second = scheduling.rank(1, "inst-1")[0]
    assert second.host.host == "b"
    scheduling.drop(second, "placement refused the claim: full")
    with pytest.raises(NoValidHost) as info:
        scheduling.rank(1, "inst-1")
    assert (
        "PlacementClaim removed 2 (a: placement refused the claim: full"
        in (info.value.kwargs["details"])
    )

"""SchedulerManager with a fake placement and fake facts: the claim loop and its cleanup."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from typing import Any, cast

import pytest

from novalite.clients.placement import PlacementClient
from novalite.context import RequestContext
from novalite.domain.server_group import ServerGroup
from novalite.errors import NoValidHost, PlacementConflict, ServiceHTTPError
from novalite.rpc import scheduler as scheduler_rpc
from novalite.rpc.endpoint import EndpointInfo
from novalite.scheduler.host_state import HostFacts
from novalite.scheduler.manager import SchedulerManager
from novalite.scheduler.registry import SchedulerSettings
from tests.unit.scheduler.fakes import FakeNode, candidates, spec

FLAVOR = {"VCPU": 1, "MEMORY_MB": 512, "DISK_GB": 1}
CTX = RequestContext(project_id="ctx-project", user_id="ctx-user")


class FakePlacement:
    """Candidates from fake nodes; claims refused on providers with no ``room`` left."""

    def __init__(self, nodes: list[FakeNode]) -> None:
        self.nodes = nodes
        self.room: dict[str, int] = {}
        self.broken: set[str] = set()
        self.claims: dict[str, tuple[dict[str, Any], str, str]] = {}
        self.queries: list[dict[str, Any]] = []

    async def get_allocation_candidates(
        self, resources: Mapping[str, int], **kwargs: Any
    ) -> dict[str, Any]:
        self.queries.append({"resources": dict(resources), **kwargs})
        return candidates(self.nodes, dict(resources))

    async def claim(
        self,
        consumer: str,
        allocation_request: Mapping[str, Any],
        project_id: str,
        user_id: str,
        consumer_generation: int | None = None,
        *,
        context: RequestContext | None = None,
    ) -> None:
        (rp,) = allocation_request["allocations"]
        if rp in self.broken:
            raise ServiceHTTPError(
                service="placement", method="PUT", path="/allocations", status=500, detail="x"
            )
        if self.room.get(rp, 1) <= 0:
            raise PlacementConflict(path=f"/allocations/{consumer}", detail="exceeds capacity")
        if rp in self.room:
            self.room[rp] -= 1
        self.claims[consumer] = (dict(allocation_request), project_id, user_id)

    async def delete_allocations(
        self, consumer: str, *, context: RequestContext | None = None
    ) -> bool:
        return self.claims.pop(consumer, None) is not None


class FakeFacts:
    def __init__(self, nodes: list[FakeNode], zones: dict[str, list[str]] | None = None) -> None:
        self.nodes = nodes
        self.zones = zones or {}
        self.asked: list[tuple[list[str], Collection[str] | None]] = []

    async def get_facts(
        self, node_uuids: Collection[str], *, instance_uuids: Collection[str] | None = None
    ) -> list[HostFacts]:
        self.asked.append((list(node_uuids), instance_uuids))
        return [n.facts() for n in self.nodes if n.uuid in node_uuids]

    async def zone_aggregates(self, zone: str) -> list[str]:
        return self.zones.get(zone, [])


def manager(
    nodes: list[FakeNode], **settings: Any
) -> tuple[SchedulerManager, FakePlacement, FakeFacts]:
    placement, facts = FakePlacement(nodes), FakeFacts(nodes)
    settings.setdefault("weight_classes", ("RAMWeigher",))
    mgr = SchedulerManager(
        cast(PlacementClient, placement),
        facts,
        SchedulerSettings(**settings),
        rng=random.Random(0),
    )
    return mgr, placement, facts


def three() -> list[FakeNode]:
    return [
        FakeNode("a", memory_mb=8192),
        FakeNode("b", memory_mb=4096),
        FakeNode("c", memory_mb=2048),
    ]


def test_is_an_rpc_endpoint_of_the_scheduler_api() -> None:
    mgr, _, _ = manager(three())
    info = EndpointInfo.inspect(mgr)
    assert info.version == scheduler_rpc.VERSION
    assert list(info.methods) == ["select_destinations"]


async def test_claims_the_best_host_for_the_spec_project_and_returns_alternates() -> None:
    mgr, placement, facts = manager(three(), max_attempts=2, max_placement_results=7)
    (result,) = await mgr.select_destinations(
        CTX, request_spec=spec(instance_uuid="i1"), instance_uuids=["i1"]
    )
    assert [s.service_host for s in result] == ["a", "b"]
    assert placement.claims["i1"][1:] == ("p", "u")
    assert placement.claims["i1"][0]["allocations"] == {"rp-a": {"resources": FLAVOR}}
    assert placement.queries[0]["resources"] == FLAVOR
    assert placement.queries[0]["limit"] == 7
    assert facts.asked == [(["rp-a", "rp-b", "rp-c"], set())]


async def test_claim_conflict_tries_the_next_host() -> None:
    mgr, placement, _ = manager(three())
    placement.room = {"rp-a": 0}
    (result,) = await mgr.select_destinations(
        CTX, request_spec=spec(instance_uuid="i1"), instance_uuids=["i1"]
    )
    assert [s.service_host for s in result] == ["b", "c"]
    assert set(placement.claims) == {"i1"}


async def test_partial_request_releases_its_claims() -> None:
    mgr, placement, _ = manager(three())
    placement.room = {"rp-a": 1, "rp-b": 0, "rp-c": 0}
    with pytest.raises(NoValidHost) as info:
        await mgr.select_destinations(
            CTX, request_spec=spec(instance_uuid="i1"), instance_uuids=["i1", "i2"]
        )
    assert placement.claims == {}
    details = info.value.kwargs["details"]
    assert "instance 2 of 2 (i2)" in details
    assert "PlacementClaim removed 3" in details


async def test_placement_failure_releases_claims_and_propagates() -> None:
    mgr, placement, _ = manager(three())
    placement.room = {"rp-a": 1}
    placement.broken = {"rp-b"}
    with pytest.raises(ServiceHTTPError):
        await mgr.select_destinations(
            CTX, request_spec=spec(instance_uuid="i1"), instance_uuids=["i1", "i2"]
        )
    assert placement.claims == {}


async def test_without_alternates_and_context_owner_fallback() -> None:
    mgr, placement, _ = manager(three())
    request = spec(instance_uuid="i1", project_id=None, user_id=None)
    (result,) = await mgr.select_destinations(
        CTX, request_spec=request, instance_uuids=["i1"], return_alternates=False
    )
    assert [s.service_host for s in result] == ["a"]
    assert placement.claims["i1"][1:] == ("ctx-project", "ctx-user")


async def test_group_members_and_hints_are_the_instances_looked_up() -> None:
    mgr, _, facts = manager(three())
    group = ServerGroup(policy="anti-affinity", members=["m1", "i1"])
    request = spec(
        instance_uuid="i1", instance_group=group, scheduler_hints={"different_host": ["x1"]}
    )
    await mgr.select_destinations(CTX, request_spec=request, instance_uuids=["i1"])
    assert facts.asked[0][1] == {"m1", "i1", "x1"}


async def test_availability_zone_becomes_member_of() -> None:
    mgr, placement, facts = manager(three())
    facts.zones = {"az1": ["agg-2", "agg-1"]}
    await mgr.select_destinations(
        CTX, request_spec=spec(instance_uuid="i1", availability_zone="az1"), instance_uuids=["i1"]
    )
    assert ("member_of", "in:agg-1,agg-2") in placement.queries[0]["extra"]
    mgr, placement, facts = manager(three(), query_placement_for_availability_zone=False)
    facts.zones = {"az1": ["agg-1"]}
    await mgr.select_destinations(
        CTX, request_spec=spec(instance_uuid="i1", availability_zone="az1"), instance_uuids=["i1"]
    )
    assert not any(p[0] == "member_of" for p in placement.queries[0]["extra"])

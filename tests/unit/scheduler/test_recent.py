"""RecentPlacements: choices remembered until the databases know them, or the TTL ends."""

from __future__ import annotations

from novalite.domain.server_group import ServerGroup
from novalite.scheduler.host_state import HostFacts
from novalite.scheduler.recent import RecentPlacements


def test_completes_facts_and_group_hosts_then_forgets() -> None:
    now = [0.0]
    recent = RecentPlacements(ttl=10, clock=lambda: now[0])
    recent.record("a", "h1")
    recent.record("b", "h2")
    facts = [
        HostFacts(uuid="n1", host="h1", nodename="h1"),
        HostFacts(uuid="n2", host="h2", nodename="h2"),
    ]

    completed = recent.complete(facts, {"a", "b", "c"})
    assert [f.instances for f in completed] == [frozenset({"a"}), frozenset({"b"})]

    group = ServerGroup(policy="affinity", members=["a", "x"])
    recent.complete_group(group)
    assert group.hosts == ["h1"]

    now[0] = 11.0
    assert recent.hosts_of({"a", "b"}) == {}


def test_the_databases_win_over_a_remembered_choice() -> None:
    recent = RecentPlacements()
    recent.record("a", "h1")
    facts = [
        HostFacts(uuid="n1", host="h1", nodename="h1"),
        HostFacts(uuid="n2", host="h2", nodename="h2", instances=frozenset({"a"})),
    ]
    completed = recent.complete(facts, {"a"})
    assert completed[0].instances == frozenset()
    assert recent.hosts_of({"a"}) == {}

import pytest

from novalite.domain.server_group import ServerGroup
from novalite.scheduler.framework import Pipeline, Weigher, normalize
from novalite.scheduler.weighers.build_failure import BuildFailureWeigher
from novalite.scheduler.weighers.cpu import CPUWeigher
from novalite.scheduler.weighers.disk import DiskWeigher
from novalite.scheduler.weighers.ram import RAMWeigher
from novalite.scheduler.weighers.soft_affinity import ServerGroupSoftAffinityWeigher
from novalite.scheduler.weighers.soft_anti_affinity import ServerGroupSoftAntiAffinityWeigher
from tests.unit.scheduler.fakes import host, spec


def test_normalize_min_max() -> None:
    assert normalize([]) == []
    assert normalize([5.0, 5.0]) == [0.0, 0.0]
    assert normalize([1.0, 3.0, 2.0]) == [0.0, 1.0, 0.5]
    assert normalize([-4.0, 0.0]) == [0.0, 1.0]


def test_resource_weighers_use_free_capacity() -> None:
    h = host()
    h.capacity = {"MEMORY_MB": 4096, "VCPU": 64, "DISK_GB": 100}
    h.used = {"MEMORY_MB": 1024, "VCPU": 4, "DISK_GB": 30}
    s = spec()
    assert RAMWeigher().weigh(h, s) == 3072
    assert CPUWeigher().weigh(h, s) == 60
    assert DiskWeigher().weigh(h, s) == 70
    assert isinstance(RAMWeigher(), Weigher)


def test_soft_affinity_weighers() -> None:
    h = host(instances={"a", "b", "z"})
    soft = spec(instance_group=ServerGroup(policy="soft-affinity", members=["a", "b"]))
    anti = spec(instance_group=ServerGroup(policy="soft-anti-affinity", members=["a", "b"]))
    assert ServerGroupSoftAffinityWeigher().weigh(h, soft) == 2
    assert ServerGroupSoftAffinityWeigher().weigh(h, anti) == 0
    assert ServerGroupSoftAntiAffinityWeigher().weigh(h, anti) == -2
    assert ServerGroupSoftAntiAffinityWeigher().weigh(h, spec()) == 0


def test_build_failure_weigher() -> None:
    assert BuildFailureWeigher().weigh(host(failed_builds=3), spec()) == -3


def test_multiplier_and_aggregate_override() -> None:
    w = RAMWeigher(2.5)
    assert w.multiplier(host()) == 2.5
    agg = host(aggregate_metadata={"ram_weight_multiplier": frozenset({"-1.0", "3", "junk"})})
    assert w.multiplier(agg) == -1.0


def test_weighing_spreads_or_stacks_by_multiplier_sign() -> None:
    hosts = [host("small"), host("big")]
    hosts[0].capacity = {"MEMORY_MB": 1000}
    hosts[1].capacity = {"MEMORY_MB": 8000}
    spread = Pipeline(filters=[], weighers=[RAMWeigher(1.0)]).weigh(hosts, spec())
    assert [w.host.host for w in spread] == ["big", "small"]
    assert [w.weight for w in spread] == [1.0, 0.0]
    stack = Pipeline(filters=[], weighers=[RAMWeigher(-1.0)]).weigh(hosts, spec())
    assert [w.host.host for w in stack] == ["small", "big"]


def test_build_failures_outweigh_free_ram() -> None:
    hosts = [host("big", failed_builds=2), host("small")]
    hosts[0].capacity = {"MEMORY_MB": 8000}
    hosts[1].capacity = {"MEMORY_MB": 1000}
    pipe = Pipeline(filters=[], weighers=[RAMWeigher(1.0), BuildFailureWeigher(1e6)])
    weighed = pipe.weigh(hosts, spec())
    assert [w.host.host for w in weighed] == ["small", "big"]
    assert weighed[0].weight == pytest.approx(1e6)

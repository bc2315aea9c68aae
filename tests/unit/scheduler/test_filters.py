from novalite.domain.server_group import ServerGroup
from novalite.scheduler.filters.affinity_filter import ServerGroupAffinityFilter
from novalite.scheduler.filters.anti_affinity_filter import ServerGroupAntiAffinityFilter
from novalite.scheduler.filters.availability_zone_filter import AvailabilityZoneFilter
from novalite.scheduler.filters.compute_filter import ComputeFilter
from novalite.scheduler.filters.different_host_filter import DifferentHostFilter
from novalite.scheduler.filters.image_properties_filter import ImagePropertiesFilter
from novalite.scheduler.filters.same_host_filter import SameHostFilter
from novalite.scheduler.framework import Filter
from tests.unit.scheduler.fakes import host, spec


def test_filters_satisfy_the_protocol() -> None:
    for flt in (ComputeFilter(), AvailabilityZoneFilter(), ImagePropertiesFilter()):
        assert isinstance(flt, Filter)


def test_compute_filter() -> None:
    f = ComputeFilter()
    assert f.filter(host(), spec()).ok
    down = f.filter(host(service_up=False), spec())
    assert not down.ok and "down" in down.reason
    off = f.filter(host(service_disabled=True, disabled_reason="maintenance"), spec())
    assert not off.ok and "maintenance" in off.reason


def test_availability_zone_filter() -> None:
    f = AvailabilityZoneFilter(default_availability_zone="nova")
    in_az1 = host(aggregate_metadata={"availability_zone": frozenset({"az1"})})
    assert f.filter(in_az1, spec()).ok
    assert f.filter(in_az1, spec(availability_zone="az1")).ok
    status = f.filter(in_az1, spec(availability_zone="az2"))
    assert not status.ok and "az1" in status.reason and "az2" in status.reason
    assert f.filter(host(), spec(availability_zone="nova")).ok
    assert not f.filter(host(), spec(availability_zone="az1")).ok


def test_affinity_filter() -> None:
    f = ServerGroupAffinityFilter()
    group = ServerGroup(policy="affinity", members=["a"], hosts=[])
    assert f.filter(host("h1"), spec(instance_group=group)).ok
    group.hosts = ["h2"]
    assert not f.filter(host("h1"), spec(instance_group=group)).ok
    assert f.filter(host("h2"), spec(instance_group=group)).ok
    anti = ServerGroup(policy="anti-affinity", hosts=["h2"])
    assert f.filter(host("h1"), spec(instance_group=anti)).ok


def test_anti_affinity_filter_and_max_server_per_host() -> None:
    f = ServerGroupAntiAffinityFilter()
    group = ServerGroup(policy="anti-affinity", members=["a", "b", "inst-1"])
    busy = host("h1", instances={"a", "other"})
    status = f.filter(busy, spec(instance_group=group))
    assert not status.ok and "max_server_per_host=1" in status.reason
    assert f.filter(host("h2", instances={"other"}), spec(instance_group=group)).ok
    group.rules = {"max_server_per_host": 2}
    assert f.filter(busy, spec(instance_group=group)).ok
    assert not f.filter(host("h1", instances={"a", "b"}), spec(instance_group=group)).ok
    # the instance being moved does not count against its own host
    group.rules = {}
    assert f.filter(host("h1", instances={"a", "inst-1"}), spec(instance_group=group)).ok
    soft = ServerGroup(policy="soft-anti-affinity", members=["a"])
    assert f.filter(busy, spec(instance_group=soft)).ok


def test_same_and_different_host_filters() -> None:
    h = host("h1", instances={"x"})
    assert SameHostFilter().filter(h, spec()).ok
    assert SameHostFilter().filter(h, spec(scheduler_hints={"same_host": ["x", "y"]})).ok
    assert not SameHostFilter().filter(h, spec(scheduler_hints={"same_host": ["y"]})).ok
    assert DifferentHostFilter().filter(h, spec()).ok
    assert DifferentHostFilter().filter(h, spec(scheduler_hints={"different_host": ["y"]})).ok
    status = DifferentHostFilter().filter(h, spec(scheduler_hints={"different_host": ["x"]}))
    assert not status.ok and "x" in status.reason


def test_image_properties_filter() -> None:
    f = ImagePropertiesFilter()
    kvm = host(supported_instances=(("x86_64", "kvm", "hvm"), ("i686", "qemu", "hvm")))
    assert f.filter(kvm, spec()).ok
    assert f.filter(host(), spec(image_properties={"hw_architecture": "aarch64"})).ok
    assert f.filter(kvm, spec(image_properties={"hw_architecture": "amd64"})).ok
    assert f.filter(
        kvm, spec(image_properties={"hw_architecture": "i686", "img_hv_type": "qemu"})
    ).ok
    status = f.filter(kvm, spec(image_properties={"hw_architecture": "i686", "img_hv_type": "kvm"}))
    assert not status.ok and "arch=i686" in status.reason
    assert not f.filter(kvm, spec(image_properties={"hw_vm_mode": "xen"})).ok
    assert f.filter(kvm, spec(image_properties={"hw_vm_mode": "HVM"})).ok

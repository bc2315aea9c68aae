import pytest

from novalite.virt.driver import DriverNotAvailable, load_compute_driver
from novalite.virt.fake.driver import FakeDriver


def test_fake_driver_is_loaded_by_nova_name() -> None:
    driver = load_compute_driver("fake.FakeDriver", vcpus=8)
    assert isinstance(driver, FakeDriver)


def test_libvirt_driver_explains_how_to_choose_fake() -> None:
    with pytest.raises(DriverNotAvailable, match=r"compute_driver = fake\.FakeDriver"):
        load_compute_driver("libvirt.LibvirtDriver")


def test_unknown_driver_lists_known_ones() -> None:
    with pytest.raises(DriverNotAvailable, match=r"unknown driver \(known: fake\.FakeDriver"):
        load_compute_driver("xenapi.XenAPIDriver")


async def test_fake_driver_reports_its_node() -> None:
    driver = FakeDriver(vcpus=8, memory_mb=4096, local_gb=40)
    with pytest.raises(RuntimeError):
        await driver.get_available_nodes()
    await driver.init_host("h1")
    assert await driver.get_available_nodes() == ["h1"]
    res = await driver.get_available_resource("h1")
    assert (res.vcpus, res.memory_mb, res.local_gb) == (8, 4096, 40)
    assert res.hypervisor_type == "fake"
    assert await driver.list_instance_uuids() == []
    assert "COMPUTE_IMAGE_TYPE_QCOW2" in driver.capability_traits()

"""The virt driver interface and how a compute host picks its driver.

A driver manages the guests of one compute host. It never touches a database
or the message bus: the compute manager calls it and reports what it returns.
"""

from __future__ import annotations

import abc
import dataclasses
import importlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from novalite.domain.instance import Instance
from novalite.domain.states import PowerState
from novalite.errors import Invalid

REBOOT_SOFT = "SOFT"
REBOOT_HARD = "HARD"


class DriverNotAvailable(Invalid):
    """``[DEFAULT] compute_driver`` names a driver that cannot be used here."""

    code = "novalite.virt.driver_not_available"
    msg_fmt = "compute_driver {name} cannot be used: {reason}"


@dataclasses.dataclass(frozen=True, slots=True)
class NodeResources:
    """What a hypervisor node has, and what its guests use, as the driver sees it."""

    hypervisor_hostname: str
    hypervisor_type: str
    hypervisor_version: int
    vcpus: int
    memory_mb: int
    local_gb: int
    vcpus_used: int = 0
    memory_mb_used: int = 0
    local_gb_used: int = 0
    cpu_info: str = "{}"


@dataclasses.dataclass(frozen=True, slots=True)
class InstanceInfo:
    """What the hypervisor says about one guest."""

    power_state: PowerState


#: Driver capabilities and the placement traits they map to (the scheduler filters on traits).
CAPABILITY_TRAITS: Mapping[str, str] = {
    "supports_attach_interface": "COMPUTE_NET_ATTACH_INTERFACE",
    "supports_device_tagging": "COMPUTE_DEVICE_TAGGING",
    "supports_multiattach": "COMPUTE_VOLUME_MULTI_ATTACH",
    "supports_image_type_qcow2": "COMPUTE_IMAGE_TYPE_QCOW2",
    "supports_image_type_raw": "COMPUTE_IMAGE_TYPE_RAW",
}


class ComputeDriver(abc.ABC):
    """The operations every virt driver provides.

    Capabilities are narrow groups of abstract methods, so that a driver that
    misses one fails at instantiation rather than in the middle of an operation.
    Guest methods take the instance as the conductor last returned it and never
    write it back: the compute manager records what they did.
    """

    #: Feature flags; keys of :data:`CAPABILITY_TRAITS` are reported as traits.
    capabilities: ClassVar[Mapping[str, bool]] = {}

    @abc.abstractmethod
    async def init_host(self, host: str) -> None:
        """Prepare the hypervisor for use by the compute service on ``host``."""

    @abc.abstractmethod
    async def cleanup_host(self) -> None:
        """Release what :meth:`init_host` acquired (connections, threads)."""

    @abc.abstractmethod
    async def get_available_nodes(self) -> list[str]:
        """Names of the hypervisor nodes this driver manages (usually one)."""

    @abc.abstractmethod
    async def get_available_resource(self, nodename: str) -> NodeResources:
        """The resources of ``nodename`` as of now."""

    @abc.abstractmethod
    async def list_instance_uuids(self) -> list[str]:
        """UUIDs of the guests the hypervisor knows about."""

    # -- guest life cycle -------------------------------------------------------------------

    @abc.abstractmethod
    async def spawn(
        self,
        instance: Instance,
        *,
        image_meta: Mapping[str, Any] | None = None,
        network_info: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        """Create and start the guest of ``instance``; raise if it could not be created."""

    @abc.abstractmethod
    async def destroy(self, instance: Instance) -> None:
        """Stop the guest and remove it with its local files; nothing if there is none."""

    @abc.abstractmethod
    async def power_off(self, instance: Instance, *, shutdown_timeout: float = 0) -> None:
        """Shut the guest down (cleanly within ``shutdown_timeout`` seconds, then forcibly)."""

    @abc.abstractmethod
    async def power_on(self, instance: Instance) -> None:
        """Start the stopped guest of ``instance``."""

    @abc.abstractmethod
    async def reboot(self, instance: Instance, reboot_type: str) -> None:
        """Reboot the guest: :data:`REBOOT_SOFT` (ask the guest) or :data:`REBOOT_HARD`."""

    @abc.abstractmethod
    async def get_info(self, instance: Instance) -> InstanceInfo:
        """The guest's state; raise InstanceNotFound when the hypervisor has no such guest."""

    def capability_traits(self) -> set[str]:
        """The placement traits this driver's capabilities stand for."""
        return {
            trait
            for capability, trait in CAPABILITY_TRAITS.items()
            if self.capabilities.get(capability, False)
        }


#: ``compute_driver`` values and where their classes live.
_DRIVERS: Mapping[str, str] = {
    "fake.FakeDriver": "novalite.virt.fake.driver:FakeDriver",
}

_NOT_YET = {
    "libvirt.LibvirtDriver": (
        "the libvirt driver is not part of this release yet; "
        "set [DEFAULT] compute_driver = fake.FakeDriver"
    ),
}


def load_compute_driver(name: str, **kwargs: Any) -> ComputeDriver:
    """Instantiate the driver ``name`` (nova's ``compute_driver`` spelling)."""
    if name in _NOT_YET:
        raise DriverNotAvailable(name=name, reason=_NOT_YET[name])
    target = _DRIVERS.get(name)
    if target is None:
        known = ", ".join(sorted([*_DRIVERS, *_NOT_YET]))
        raise DriverNotAvailable(name=name, reason=f"unknown driver (known: {known})")
    module_name, _, class_name = target.partition(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    driver: ComputeDriver = cls(**kwargs)
    return driver

"""The fake driver: guests that exist only in memory, on a node of any size."""

from __future__ import annotations

import asyncio
import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from novalite.domain.instance import Instance
from novalite.domain.states import PowerState
from novalite.errors import InstanceNotFound, InstanceSpawnFailed
from novalite.virt.driver import ComputeDriver, InstanceInfo, NodeResources

#: Decides whether an operation on an instance fails (tests inject failures with it).
FailureHook = Callable[[Instance], bool]


@dataclasses.dataclass(slots=True)
class FakeGuest:
    """A guest as the fake hypervisor keeps it."""

    uuid: str
    power_state: PowerState
    vcpus: int
    memory_mb: int
    disk_gb: int
    reboots: int = 0


class FakeDriver(ComputeDriver):
    """A hypervisor simulated in memory (``compute_driver = fake.FakeDriver``).

    Its node is large by default (as nova's fake driver) so that scheduling,
    not capacity, is what a test exercises; pass sizes to model a real host.
    Operations complete at once unless ``spawn_delay`` says otherwise;
    ``fail_spawn`` (also settable on a live driver) makes chosen spawns raise
    :class:`~novalite.errors.InstanceSpawnFailed`. Each instance of the class is
    a separate hypervisor, so one process can simulate many hosts.
    """

    capabilities: ClassVar[dict[str, bool]] = {
        "supports_attach_interface": True,
        "supports_device_tagging": True,
        "supports_multiattach": True,
        "supports_image_type_qcow2": True,
        "supports_image_type_raw": True,
    }

    def __init__(
        self,
        *,
        nodename: str | None = None,
        vcpus: int = 1000,
        memory_mb: int = 800_000,
        local_gb: int = 600_000,
        spawn_delay: float = 0.0,
        fail_spawn: FailureHook | None = None,
    ) -> None:
        self._nodename = nodename
        self._vcpus = vcpus
        self._memory_mb = memory_mb
        self._local_gb = local_gb
        self.spawn_delay = spawn_delay
        self.fail_spawn = fail_spawn
        self._host: str | None = None
        self._guests: dict[str, FakeGuest] = {}

    @property
    def guests(self) -> Mapping[str, FakeGuest]:
        """The guests of this hypervisor by instance uuid (read-only view for tests)."""
        return dict(self._guests)

    async def init_host(self, host: str) -> None:
        self._host = host
        if self._nodename is None:
            self._nodename = host

    async def cleanup_host(self) -> None:
        self._guests.clear()

    async def get_available_nodes(self) -> list[str]:
        return [self._node()]

    async def get_available_resource(self, nodename: str) -> NodeResources:
        guests = self._guests.values()
        return NodeResources(
            hypervisor_hostname=nodename,
            hypervisor_type="fake",
            hypervisor_version=1000,
            vcpus=self._vcpus,
            memory_mb=self._memory_mb,
            local_gb=self._local_gb,
            vcpus_used=sum(g.vcpus for g in guests),
            memory_mb_used=sum(g.memory_mb for g in guests),
            local_gb_used=sum(g.disk_gb for g in guests),
        )

    async def list_instance_uuids(self) -> list[str]:
        return list(self._guests)

    # -- guest life cycle -------------------------------------------------------------------

    async def spawn(
        self,
        instance: Instance,
        *,
        image_meta: Mapping[str, Any] | None = None,
        network_info: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        if self.spawn_delay > 0:
            await asyncio.sleep(self.spawn_delay)
        if self.fail_spawn is not None and self.fail_spawn(instance):
            raise InstanceSpawnFailed(instance_uuid=instance.uuid, reason="injected failure")
        if instance.uuid in self._guests:
            raise InstanceSpawnFailed(instance_uuid=instance.uuid, reason="guest already exists")
        flavor = instance.flavor
        disk_gb = 0
        if flavor is not None:
            disk_gb = flavor.root_gb + flavor.ephemeral_gb + math.ceil(flavor.swap / 1024)
        self._guests[instance.uuid] = FakeGuest(
            uuid=instance.uuid,
            power_state=PowerState.RUNNING,
            vcpus=instance.vcpus,
            memory_mb=instance.memory_mb,
            disk_gb=disk_gb,
        )

    async def destroy(self, instance: Instance) -> None:
        self._guests.pop(instance.uuid, None)

    async def power_off(self, instance: Instance, *, shutdown_timeout: float = 0) -> None:
        self._guest(instance).power_state = PowerState.SHUTDOWN

    async def power_on(self, instance: Instance) -> None:
        self._guest(instance).power_state = PowerState.RUNNING

    async def reboot(self, instance: Instance, reboot_type: str) -> None:
        guest = self._guest(instance)
        guest.power_state = PowerState.RUNNING
        guest.reboots += 1

    async def get_info(self, instance: Instance) -> InstanceInfo:
        return InstanceInfo(power_state=self._guest(instance).power_state)

    # -- test helpers -----------------------------------------------------------------------

    def set_power_state(self, instance_uuid: str, power_state: PowerState) -> None:
        """Change a guest's power state behind the compute service's back (a guest shutdown)."""
        self._guests[instance_uuid].power_state = power_state

    def _guest(self, instance: Instance) -> FakeGuest:
        guest = self._guests.get(instance.uuid)
        if guest is None:
            raise InstanceNotFound(instance_id=instance.uuid)
        return guest

    def _node(self) -> str:
        if self._nodename is None:
            raise RuntimeError("init_host() has not been called")
        return self._nodename

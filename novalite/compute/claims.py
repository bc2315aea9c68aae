"""What an instance uses of a host, and whether a host can still take it."""

from __future__ import annotations

import dataclasses
import math

from novalite.domain.instance import Instance
from novalite.errors import ComputeResourcesUnavailable


@dataclasses.dataclass(frozen=True, slots=True)
class AllocationRatios:
    """``[DEFAULT] *_allocation_ratio`` with the ``initial_*`` fallbacks already applied."""

    cpu: float
    ram: float
    disk: float


@dataclasses.dataclass(frozen=True, slots=True)
class ReservedResources:
    """What the host keeps for itself (``[DEFAULT] reserved_host_*``)."""

    cpus: int = 0
    memory_mb: int = 512
    disk_mb: int = 0

    @property
    def disk_gb(self) -> int:
        """Reserved disk in whole GB, rounded up as nova reports it to placement."""
        return math.ceil(self.disk_mb / 1024)


@dataclasses.dataclass(frozen=True, slots=True)
class Usage:
    """Resources used by one instance, or summed over several."""

    vcpus: int = 0
    memory_mb: int = 0
    disk_gb: int = 0

    @classmethod
    def of(cls, instance: Instance) -> Usage:
        """The usage of ``instance``'s flavor (swap counts as disk, rounded up to a GB)."""
        flavor = instance.flavor
        if flavor is None:
            return cls()
        disk = flavor.root_gb + flavor.ephemeral_gb + math.ceil(flavor.swap / 1024)
        return cls(vcpus=flavor.vcpus, memory_mb=flavor.memory_mb, disk_gb=disk)

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.vcpus + other.vcpus,
            self.memory_mb + other.memory_mb,
            self.disk_gb + other.disk_gb,
        )


@dataclasses.dataclass(frozen=True, slots=True)
class Capacity:
    """A node's size, its allocation ratios and what it reserves."""

    vcpus: int
    memory_mb: int
    local_gb: int
    ratios: AllocationRatios
    reserved: ReservedResources

    def check(self, used: Usage, wanted: Usage) -> None:
        """Raise ComputeResourcesUnavailable unless ``wanted`` fits next to ``used``.

        The limit of each resource is placement's: ``(total - reserved) * ratio``.
        """
        limits = (
            ("vcpus", "VCPU", self.vcpus, self.reserved.cpus, self.ratios.cpu),
            ("memory_mb", "MEMORY_MB", self.memory_mb, self.reserved.memory_mb, self.ratios.ram),
            ("disk_gb", "DISK_GB", self.local_gb, self.reserved.disk_gb, self.ratios.disk),
        )
        for attr, name, total, reserved, ratio in limits:
            need = getattr(wanted, attr)
            if not need:
                continue
            limit = (total - reserved) * ratio
            free = limit - getattr(used, attr)
            if need > free:
                raise ComputeResourcesUnavailable(reason=f"Free {name} {free:g} < requested {need}")

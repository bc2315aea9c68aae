"""``[DEFAULT]`` options of the compute service: driver, capacity, periodic tasks."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, ExpandedPath, Seconds


class ComputeHostOptions(Section):
    """Options of a compute host, kept in ``[DEFAULT]`` where nova keeps them."""

    compute_driver: str = opt(
        "libvirt.LibvirtDriver",
        "Virt driver the compute service uses: libvirt.LibvirtDriver, or fake.FakeDriver "
        "for tests and scale simulation (nova has no default).",
    )
    instances_path: ExpandedPath = opt(
        "$state_path/instances",
        "Directory holding the disks and files of the instances on this host.",
    )
    instance_name_template: str = opt(
        "instance-%08x",
        "Template of the hypervisor-side name of an instance, formatted with the "
        "instance's database id.",
    )
    cpu_allocation_ratio: float | None = opt(
        None,
        "Virtual CPUs per physical CPU this host offers. Unset: the ratio already "
        "recorded in placement is kept, initial_cpu_allocation_ratio for a new host.",
        ge=0,
    )
    ram_allocation_ratio: float | None = opt(
        None,
        "Virtual RAM per physical RAM this host offers. Unset: the ratio already "
        "recorded in placement is kept, initial_ram_allocation_ratio for a new host.",
        ge=0,
    )
    disk_allocation_ratio: float | None = opt(
        None,
        "Virtual disk per physical disk this host offers. Unset: the ratio already "
        "recorded in placement is kept, initial_disk_allocation_ratio for a new host.",
        ge=0,
    )
    initial_cpu_allocation_ratio: float = opt(
        4.0,
        "CPU allocation ratio of a new compute host when cpu_allocation_ratio is unset.",
        ge=0,
    )
    initial_ram_allocation_ratio: float = opt(
        1.0,
        "RAM allocation ratio of a new compute host when ram_allocation_ratio is unset.",
        ge=0,
    )
    initial_disk_allocation_ratio: float = opt(
        1.0,
        "Disk allocation ratio of a new compute host when disk_allocation_ratio is unset.",
        ge=0,
    )
    reserved_host_memory_mb: int = opt(
        512,
        "Memory (MiB) kept for the host itself and never offered to instances.",
        ge=0,
    )
    reserved_host_disk_mb: int = opt(
        0,
        "Disk (MiB) kept for the host itself and never offered to instances.",
        ge=0,
    )
    reserved_host_cpus: int = opt(
        0,
        "Physical CPUs kept for the host itself and never offered to instances.",
        ge=0,
    )
    max_concurrent_builds: int = opt(
        10,
        "Maximum number of instance builds a compute host runs at the same time. 0 means no limit.",
        ge=0,
    )
    sync_power_state_interval: Seconds = opt(
        600,
        "Seconds between two syncs of the power states of the instances with the "
        "hypervisor. A negative value disables the sync.",
    )
    update_resources_interval: Seconds = opt(
        0,
        "Seconds between two updates of the host's resources in placement. "
        "0 runs the update at the default periodic interval; a negative value disables it.",
    )
    heal_instance_info_cache_interval: Seconds = opt(
        60,
        "Seconds between two refreshes of the network information cache of the "
        "instances. A value of 0 or less disables the refresh.",
    )
    instance_build_timeout: Seconds = opt(
        0,
        "Seconds an instance may stay building before it is put in ERROR. 0 disables.",
        ge=0,
    )
    reclaim_instance_interval: Seconds = opt(
        0,
        "Seconds a deleted instance is kept, soft-deleted, before it is reclaimed. "
        "0 deletes at once.",
        ge=0,
    )
    resume_guests_state_on_host_boot: Bool = opt(
        False,
        "Start again, when the compute service starts, the instances that were running "
        "before the host rebooted.",
    )
    allow_resize_to_same_host: Bool = opt(
        False,
        "Let a resize pick the instance's current host as destination.",
    )

    @property
    def effective_cpu_allocation_ratio(self) -> float:
        """cpu_allocation_ratio if set, else initial_cpu_allocation_ratio."""
        return _first_set(self.cpu_allocation_ratio, self.initial_cpu_allocation_ratio)

    @property
    def effective_ram_allocation_ratio(self) -> float:
        """ram_allocation_ratio if set, else initial_ram_allocation_ratio."""
        return _first_set(self.ram_allocation_ratio, self.initial_ram_allocation_ratio)

    @property
    def effective_disk_allocation_ratio(self) -> float:
        """disk_allocation_ratio if set, else initial_disk_allocation_ratio."""
        return _first_set(self.disk_allocation_ratio, self.initial_disk_allocation_ratio)


def _first_set(value: float | None, fallback: float) -> float:
    return fallback if value is None else value

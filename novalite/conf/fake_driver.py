"""``[fake_driver]``: the in-memory virt driver for tests and scale simulation (novalite only)."""

from __future__ import annotations

from novalite.conf.section import Section, opt


class FakeDriverSection(Section):
    """What each simulated host of compute_driver = fake.FakeDriver reports and how it behaves."""

    hosts: int = opt(
        1,
        "Number of compute hosts one compute process simulates, each with its own service "
        "record, compute node and placement provider, named <host>-1 ... <host>-N when more "
        "than one (`novalite compute --fake-hosts N` overrides it).",
        ge=1,
    )
    vcpus: int = opt(1000, "vCPUs each simulated host reports (nova's fake driver: 1000).", ge=0)
    memory_mb: int = opt(
        800000, "RAM in MB each simulated host reports (nova's fake driver: 800000).", ge=0
    )
    local_gb: int = opt(
        600000, "Disk in GB each simulated host reports (nova's fake driver: 600000).", ge=0
    )
    spawn_delay: float = opt(
        0.0,
        "Seconds a simulated spawn takes (0: instant); lets tests catch builds in progress.",
        ge=0,
    )

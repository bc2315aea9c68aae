"""``[compute]`` and ``[conductor]``."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, Seconds, StrList


class ComputeSection(Section):
    """The compute service (more compute options live in [DEFAULT], as in nova)."""

    resource_provider_association_refresh: Seconds = opt(
        300,
        "Seconds between two refreshes of the host's aggregates, traits and sharing "
        "providers from placement. 0 never refreshes.",
        ge=0,
    )
    consecutive_build_service_disable_threshold: int = opt(
        10,
        "Consecutive failed builds after which the compute service disables itself; 0 never.",
        ge=0,
    )
    shutdown_retry_interval: Seconds = opt(
        10,
        "Seconds between two requests to a guest to shut down cleanly.",
        ge=1,
    )
    max_concurrent_disk_ops: int = opt(
        0,
        "Disk-heavy operations (snapshots, image conversion) run at once; 0 no limit.",
        ge=0,
    )
    max_disk_devices_to_attach: int = opt(
        -1,
        "Disk devices an instance may have; -1 no limit.",
        ge=-1,
    )
    cpu_shared_set: str | None = opt(
        None,
        "Host CPUs for shared (floating) guest vCPUs, as a list of ranges (0-3,^2,8).",
    )
    cpu_dedicated_set: str | None = opt(
        None,
        "Host CPUs for pinned guest vCPUs, as a list of ranges (4-15).",
    )
    image_type_exclude_list: StrList = opt(
        (),
        "Image disk formats this host refuses although its driver supports them.",
    )
    live_migration_wait_for_vif_plug: Bool = opt(
        True,
        "Wait for the network service to report the ports plugged on the destination "
        "before a live migration starts.",
    )


class ConductorSection(Section):
    """The conductor service."""

    workers: int | None = opt(
        None,
        "Number of conductor worker processes. Unset: one per CPU.",
        ge=1,
    )
    task_watchdog_interval: Seconds = opt(
        60,
        "Seconds between two runs of the conductor's watchdog, which moves instances whose "
        "task outlived its deadline (novalite.domain.states.TASK_DEADLINES) to ERROR, or "
        "finishes their delete, and buries build requests never scheduled (novalite only). "
        "0 disables it.",
        ge=0,
    )

"""``[scheduler]`` and ``[filter_scheduler]``: how hosts are chosen."""

from __future__ import annotations

from novalite.conf.section import Section, opt
from novalite.conf.types import Bool, StrList


class SchedulerSection(Section):
    """The scheduler service and its use of placement."""

    workers: int | None = opt(
        None,
        "Number of scheduler worker processes. Unset: one per CPU.",
        ge=1,
    )
    max_attempts: int = opt(
        3,
        "Hosts tried for one build or move: the selected host plus alternates. When "
        "all fail the instance goes to ERROR.",
        ge=1,
    )
    discover_hosts_in_cells_interval: int = opt(
        -1,
        "Seconds between two automatic discoveries of new compute hosts in the cells. "
        "Negative: never (run novalite-manage cell_v2 discover_hosts instead).",
        ge=-1,
    )
    max_placement_results: int = opt(
        1000,
        "Most allocation candidates asked from placement for one request.",
        ge=1,
    )
    query_placement_for_availability_zone: Bool = opt(
        True,
        "Ask placement only for hosts in the requested availability zone (through the "
        "zone's aggregate).",
    )
    limit_tenants_to_placement_aggregate: Bool = opt(
        False,
        "Restrict projects to the aggregates whose filter_tenant_id metadata names them.",
    )
    placement_aggregate_required_for_tenants: Bool = opt(
        False,
        "With limit_tenants_to_placement_aggregate, a project named in no aggregate "
        "cannot build anywhere (instead of anywhere at all).",
    )
    enable_isolated_aggregate_filtering: Bool = opt(
        False,
        "Keep instances off aggregates whose required traits their flavor and image "
        "do not ask for.",
    )
    image_metadata_prefilter: Bool = opt(
        False,
        "Turn image properties (hw_architecture, ...) into required traits in the placement query.",
    )


class FilterSchedulerSection(Section):
    """Filters and weighers of the scheduler."""

    host_subset_size: int = opt(
        1,
        "Pick the host at random among this many best-weighed hosts; more than 1 "
        "makes concurrent schedulers collide less.",
        ge=1,
    )
    max_io_ops_per_host: int = opt(
        8,
        "Instances doing I/O-heavy tasks (build, resize, snapshot, ...) a host may run "
        "at once, for IoOpsFilter.",
        ge=0,
    )
    max_instances_per_host: int = opt(
        50,
        "Instances a host may run, for NumInstancesFilter.",
        ge=1,
    )
    track_instance_changes: Bool = opt(
        True,
        "Computes tell the scheduler about their instances, so that filters and "
        "weighers need not ask the database.",
    )
    available_filters: StrList = opt(
        ("nova.scheduler.filters.all_filters",),
        "Filter classes that may be enabled. nova.scheduler.filters.all_filters names "
        "every built-in filter.",
    )
    enabled_filters: StrList = opt(
        (
            "ComputeFilter",
            "ComputeCapabilitiesFilter",
            "ImagePropertiesFilter",
            "ServerGroupAntiAffinityFilter",
            "ServerGroupAffinityFilter",
        ),
        "Filters applied to the candidate hosts, in this order; put the most selective first.",
    )
    weight_classes: StrList = opt(
        ("nova.scheduler.weights.all_weighers",),
        "Weigher classes ordering the hosts that passed the filters. "
        "nova.scheduler.weights.all_weighers names every built-in weigher.",
    )
    ram_weight_multiplier: float = opt(
        1.0,
        "Weight of free RAM: positive spreads instances over hosts, negative stacks them.",
    )
    cpu_weight_multiplier: float = opt(
        1.0,
        "Weight of free vCPUs: positive spreads instances over hosts, negative stacks them.",
    )
    disk_weight_multiplier: float = opt(
        1.0,
        "Weight of free disk: positive spreads instances over hosts, negative stacks them.",
    )
    io_ops_weight_multiplier: float = opt(
        -1.0,
        "Weight of the I/O-heavy tasks running on a host: negative prefers idle hosts.",
    )
    soft_affinity_weight_multiplier: float = opt(
        1.0,
        "Weight of the soft-affinity policy of server groups.",
        ge=0,
    )
    soft_anti_affinity_weight_multiplier: float = opt(
        1.0,
        "Weight of the soft-anti-affinity policy of server groups.",
        ge=0,
    )
    build_failure_weight_multiplier: float = opt(
        1000000.0,
        "Weight against hosts whose recent builds failed; large so that they are picked last.",
    )
    cross_cell_move_weight_multiplier: float = opt(
        1000000.0,
        "Weight for hosts in the instance's own cell during a move: positive keeps the "
        "instance in its cell.",
    )
    num_instances_weight_multiplier: float = opt(
        0.0,
        "Weight of the number of instances on a host: positive prefers busy hosts.",
    )
    hypervisor_version_weight_multiplier: float = opt(
        1.0,
        "Weight of the hypervisor version: positive prefers newer hypervisors.",
    )
    shuffle_best_same_weighed_hosts: Bool = opt(
        False,
        "Shuffle the best hosts that have the same weight, to spread identical hosts.",
    )
    isolated_images: StrList = opt(
        (),
        "Image UUIDs that may only run on isolated_hosts (IsolatedHostsFilter).",
    )
    isolated_hosts: StrList = opt(
        (),
        "Hosts that may only run isolated_images (IsolatedHostsFilter).",
    )
    restrict_isolated_hosts_to_isolated_images: Bool = opt(
        True,
        "Keep images that are not in isolated_images off isolated_hosts.",
    )

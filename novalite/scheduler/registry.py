"""Build a :class:`Pipeline` from ``[filter_scheduler]`` names.

Names may be short (``ComputeFilter``) or nova's class paths
(``nova.scheduler.filters.compute_filter.ComputeFilter``); the last dotted part decides.
``nova.scheduler.filters.all_filters`` and ``nova.scheduler.weights.all_weighers`` expand to
every built-in one. Unknown names raise :class:`~novalite.errors.SchedulerConfigError`.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from novalite.errors import SchedulerConfigError
from novalite.scheduler.filters.affinity_filter import ServerGroupAffinityFilter
from novalite.scheduler.filters.anti_affinity_filter import ServerGroupAntiAffinityFilter
from novalite.scheduler.filters.availability_zone_filter import AvailabilityZoneFilter
from novalite.scheduler.filters.compute_filter import ComputeFilter
from novalite.scheduler.filters.different_host_filter import DifferentHostFilter
from novalite.scheduler.filters.image_properties_filter import ImagePropertiesFilter
from novalite.scheduler.filters.same_host_filter import SameHostFilter
from novalite.scheduler.framework import Filter, Pipeline, Weigher
from novalite.scheduler.weighers.build_failure import BuildFailureWeigher
from novalite.scheduler.weighers.cpu import CPUWeigher
from novalite.scheduler.weighers.disk import DiskWeigher
from novalite.scheduler.weighers.ram import RAMWeigher
from novalite.scheduler.weighers.soft_affinity import ServerGroupSoftAffinityWeigher
from novalite.scheduler.weighers.soft_anti_affinity import ServerGroupSoftAntiAffinityWeigher

if TYPE_CHECKING:
    from novalite.conf.config import Config

LOG = logging.getLogger(__name__)

ALL_FILTERS = "all_filters"
ALL_WEIGHERS = "all_weighers"

# Filters nova ships that novalite does not implement yet: skipped with a warning, so that a
# nova.conf (or the default enabled_filters) still loads.
NOT_IMPLEMENTED = frozenset(
    {
        "ComputeCapabilitiesFilter",
        "AggregateInstanceExtraSpecsFilter",
        "NUMATopologyFilter",
        "PciPassthroughFilter",
        "IoOpsFilter",
        "NumInstancesFilter",
        "IsolatedHostsFilter",
        "AggregateMultiTenancyIsolation",
        "JsonFilter",
        "MetricsFilter",
    }
)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SchedulerSettings:
    """Plain values of the scheduler's options (:meth:`from_config` reads them from a Config)."""

    enabled_filters: tuple[str, ...] = (
        "ComputeFilter",
        "ImagePropertiesFilter",
        "ServerGroupAntiAffinityFilter",
        "ServerGroupAffinityFilter",
    )
    weight_classes: tuple[str, ...] = ("nova.scheduler.weights.all_weighers",)
    host_subset_size: int = 1
    shuffle_best_same_weighed_hosts: bool = False
    max_attempts: int = 3
    max_placement_results: int = 1000
    default_availability_zone: str = "nova"
    ram_weight_multiplier: float = 1.0
    cpu_weight_multiplier: float = 1.0
    disk_weight_multiplier: float = 1.0
    soft_affinity_weight_multiplier: float = 1.0
    soft_anti_affinity_weight_multiplier: float = 1.0
    build_failure_weight_multiplier: float = 1000000.0
    query_placement_for_availability_zone: bool = True

    @classmethod
    def from_config(cls, conf: Config) -> SchedulerSettings:
        """The settings of ``[scheduler]``, ``[filter_scheduler]`` and ``[DEFAULT]``."""
        fs, sched = conf.filter_scheduler, conf.scheduler
        return cls(
            enabled_filters=tuple(fs.enabled_filters),
            weight_classes=tuple(fs.weight_classes),
            host_subset_size=fs.host_subset_size,
            shuffle_best_same_weighed_hosts=fs.shuffle_best_same_weighed_hosts,
            max_attempts=sched.max_attempts,
            max_placement_results=sched.max_placement_results,
            default_availability_zone=conf.DEFAULT.default_availability_zone,
            ram_weight_multiplier=fs.ram_weight_multiplier,
            cpu_weight_multiplier=fs.cpu_weight_multiplier,
            disk_weight_multiplier=fs.disk_weight_multiplier,
            soft_affinity_weight_multiplier=fs.soft_affinity_weight_multiplier,
            soft_anti_affinity_weight_multiplier=fs.soft_anti_affinity_weight_multiplier,
            build_failure_weight_multiplier=fs.build_failure_weight_multiplier,
            query_placement_for_availability_zone=sched.query_placement_for_availability_zone,
        )


FilterFactory = Callable[[SchedulerSettings], Filter]
WeigherFactory = Callable[[SchedulerSettings], Weigher]

FILTERS: dict[str, FilterFactory] = {
    "ComputeFilter": lambda s: ComputeFilter(),
    "AvailabilityZoneFilter": lambda s: AvailabilityZoneFilter(s.default_availability_zone),
    "ImagePropertiesFilter": lambda s: ImagePropertiesFilter(),
    "ServerGroupAntiAffinityFilter": lambda s: ServerGroupAntiAffinityFilter(),
    "ServerGroupAffinityFilter": lambda s: ServerGroupAffinityFilter(),
    "SameHostFilter": lambda s: SameHostFilter(),
    "DifferentHostFilter": lambda s: DifferentHostFilter(),
}

WEIGHERS: dict[str, WeigherFactory] = {
    "RAMWeigher": lambda s: RAMWeigher(s.ram_weight_multiplier),
    "CPUWeigher": lambda s: CPUWeigher(s.cpu_weight_multiplier),
    "DiskWeigher": lambda s: DiskWeigher(s.disk_weight_multiplier),
    "ServerGroupSoftAffinityWeigher": lambda s: ServerGroupSoftAffinityWeigher(
        s.soft_affinity_weight_multiplier
    ),
    "ServerGroupSoftAntiAffinityWeigher": lambda s: ServerGroupSoftAntiAffinityWeigher(
        s.soft_anti_affinity_weight_multiplier
    ),
    "BuildFailureWeigher": lambda s: BuildFailureWeigher(s.build_failure_weight_multiplier),
}


def _short(name: str) -> str:
    return name.strip().rsplit(".", 1)[-1]


def _resolve(
    names: Iterable[str], table: Mapping[str, object], option: str, all_name: str
) -> list[str]:
    resolved: list[str] = []
    for raw in names:
        short = _short(raw)
        if not short:
            continue
        if short == all_name:
            resolved.extend(n for n in table if n not in resolved)
            continue
        if short in NOT_IMPLEMENTED:
            LOG.warning("[filter_scheduler] %s: %s is not implemented; skipped", option, raw)
            continue
        if short not in table:
            known = ", ".join(sorted(table))
            reason = f"unknown name {raw!r} (known: {known})"
            raise SchedulerConfigError(option=option, reason=reason)
        if short not in resolved:
            resolved.append(short)
    return resolved


def filter_names(settings: SchedulerSettings) -> list[str]:
    """Short names of the enabled filters, in order."""
    return _resolve(settings.enabled_filters, FILTERS, "enabled_filters", ALL_FILTERS)


def weigher_names(settings: SchedulerSettings) -> list[str]:
    """Short names of the weighers, in order."""
    return _resolve(settings.weight_classes, WEIGHERS, "weight_classes", ALL_WEIGHERS)


def build_pipeline(settings: SchedulerSettings) -> Pipeline:
    """The configured filters and weighers; raises on unknown names."""
    return Pipeline(
        filters=[FILTERS[n](settings) for n in filter_names(settings)],
        weighers=[WEIGHERS[n](settings) for n in weigher_names(settings)],
    )

"""The plugin framework: filters and weighers at fixed extension points, typed statuses.

A run takes host states and a request spec, applies the *pre-filter* (ignore/force hosts),
then every :class:`Filter` in order, recording for each rejected host the filter and its
reason (:class:`RejectionRecord`), then every :class:`Weigher`: raw weights are normalised
to 0..1 over the surviving hosts (nova's min-max rule) and added times the multiplier.
Each host is filtered once per filter and weighed once per weigher: work is linear.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Sequence
from typing import Protocol, runtime_checkable

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.host_state import HostState


class Code(enum.Enum):
    """Outcome of one plugin on one host."""

    SUCCESS = "success"
    UNSCHEDULABLE = "unschedulable"


@dataclasses.dataclass(frozen=True, slots=True)
class Status:
    """A filter's verdict; a rejection carries a reason an admin can read."""

    code: Code = Code.SUCCESS
    reason: str = ""

    @property
    def ok(self) -> bool:
        """True for success."""
        return self.code is Code.SUCCESS

    @classmethod
    def reject(cls, reason: str) -> Status:
        """An unschedulable verdict with ``reason``."""
        return cls(Code.UNSCHEDULABLE, reason)


SUCCESS = Status()


@runtime_checkable
class Filter(Protocol):
    """Filter extension point: may the host take one instance of the request?"""

    name: str

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Return :data:`SUCCESS` or :meth:`Status.reject` with a reason."""
        ...


@runtime_checkable
class Weigher(Protocol):
    """Score extension point: a raw weight, normalised by the framework."""

    name: str

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """The host's raw weight (bigger is better before the multiplier)."""
        ...

    def multiplier(self, host: HostState) -> float:
        """The multiplier for this host (config, or its aggregates' override)."""
        ...


class BaseWeigher:
    """A weigher whose multiplier comes from config, overridable by aggregate metadata.

    As nova's ``utils.get_weight_multiplier``: when the host's aggregates set the option
    (e.g. ``ram_weight_multiplier``), the smallest valid value wins.
    """

    name = "BaseWeigher"
    option = ""

    def __init__(self, multiplier: float = 1.0) -> None:
        self._multiplier = multiplier

    def multiplier(self, host: HostState) -> float:
        """The configured multiplier unless the host's aggregates override it."""
        values: list[float] = []
        for raw in host.aggregate_values(self.option) if self.option else ():
            try:
                values.append(float(raw))
            except ValueError:
                continue
        return min(values) if values else self._multiplier


@dataclasses.dataclass
class RejectionRecord:
    """Why hosts were rejected: ``filter name -> {host: reason}``, in filter order."""

    by_filter: dict[str, dict[str, str]] = dataclasses.field(default_factory=dict)

    def add(self, filter_name: str, host: str, reason: str) -> None:
        """Record that ``filter_name`` rejected ``host`` for ``reason``."""
        self.by_filter.setdefault(filter_name, {})[host] = reason

    def counts(self) -> dict[str, int]:
        """Rejected hosts per filter."""
        return {name: len(hosts) for name, hosts in self.by_filter.items()}

    @property
    def total(self) -> int:
        """All rejected hosts."""
        return sum(len(hosts) for hosts in self.by_filter.values())

    def reason_for(self, host: str) -> tuple[str, str] | None:
        """``(filter, reason)`` that removed ``host``, if any."""
        for name, hosts in self.by_filter.items():
            if host in hosts:
                return name, hosts[host]
        return None


@dataclasses.dataclass
class WeighedHost:
    """A host that passed the filters with its total weight."""

    host: HostState
    weight: float = 0.0


def normalize(weights: Sequence[float]) -> list[float]:
    """Min-max normalise to 0..1; all equal gives all 0 (nova's ``weights.normalize``)."""
    if not weights:
        return []
    low, high = min(weights), max(weights)
    if low == high:
        return [0.0] * len(weights)
    span = high - low
    return [(w - low) / span for w in weights]


def node_key(host: HostState) -> str:
    """How a host is named in rejection records: host, plus node when they differ."""
    if host.nodename and host.nodename != host.host:
        return f"{host.host} ({host.nodename})"
    return host.host


def _pre_filter_reason(host: HostState, spec: RequestSpec) -> tuple[str, str] | None:
    dest = spec.requested_destination
    if host.host in spec.ignore_hosts:
        return "IgnoreHosts", "host is in the request's ignore_hosts"
    if spec.force_hosts and host.host not in spec.force_hosts:
        return "ForceHosts", "host is not one of the forced hosts"
    if spec.force_nodes and host.nodename not in spec.force_nodes:
        return "ForceNodes", "node is not one of the forced nodes"
    if dest is not None and dest.host and dest.host != host.host:
        return "RequestedDestination", f"not the requested host {dest.host}"
    if dest is not None and dest.node and dest.node != host.nodename:
        return "RequestedDestination", f"not the requested node {dest.node}"
    return None


def pre_filter(
    hosts: Iterable[HostState], spec: RequestSpec, record: RejectionRecord
) -> tuple[list[HostState], bool]:
    """Apply ``ignore_hosts``, ``force_hosts``/``force_nodes`` and a requested destination.

    Returns the remaining hosts and whether filters must be skipped (forced hosts, as nova).
    """
    kept: list[HostState] = []
    for host in hosts:
        rejected = _pre_filter_reason(host, spec)
        if rejected is None:
            kept.append(host)
        else:
            record.add(rejected[0], node_key(host), rejected[1])
    return kept, bool(spec.force_hosts or spec.force_nodes)


@dataclasses.dataclass
class Pipeline:
    """Filters and weighers in configured order."""

    filters: Sequence[Filter]
    weighers: Sequence[Weigher]

    def run_filters(
        self, hosts: Iterable[HostState], spec: RequestSpec, record: RejectionRecord
    ) -> list[HostState]:
        """Hosts that pass every filter; each rejection goes into ``record``."""
        remaining = list(hosts)
        for flt in self.filters:
            if not remaining:
                break
            passed: list[HostState] = []
            for host in remaining:
                status = flt.filter(host, spec)
                if status.ok:
                    passed.append(host)
                else:
                    record.add(flt.name, node_key(host), status.reason)
            remaining = passed
        return remaining

    def weigh(self, hosts: Sequence[HostState], spec: RequestSpec) -> list[WeighedHost]:
        """Weighed hosts, best first (stable for equal weights)."""
        weighed = [WeighedHost(h) for h in hosts]
        if len(weighed) > 1:
            for weigher in self.weighers:
                raw = [weigher.weigh(w.host, spec) for w in weighed]
                for item, value in zip(weighed, normalize(raw), strict=True):
                    item.weight += weigher.multiplier(item.host) * value
        return sorted(weighed, key=lambda w: -w.weight)

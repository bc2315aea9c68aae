"""Host states: placement's view of a candidate merged with the compute node's facts."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from typing import Any


@dataclasses.dataclass(frozen=True, kw_only=True)
class HostFacts:
    """What the caller knows about a compute node, keyed by its provider (= node) uuid.

    ``aggregate_metadata`` maps each metadata key of the host's aggregates to the set of
    values they give it (``availability_zone``, ``ram_weight_multiplier``, ...).
    ``supported_instances`` lists ``(arch, hv_type, vm_mode)`` triples the host can run.
    """

    uuid: str
    host: str
    nodename: str
    cell_uuid: str | None = None
    service_up: bool = True
    service_disabled: bool = False
    disabled_reason: str | None = None
    aggregate_metadata: Mapping[str, frozenset[str]] = dataclasses.field(default_factory=dict)
    instances: frozenset[str] = frozenset()
    failed_builds: int = 0
    hypervisor_type: str | None = None
    hypervisor_version: int | None = None
    supported_instances: tuple[tuple[str, str, str], ...] = ()


@dataclasses.dataclass(kw_only=True)
class HostState:
    """One schedulable host: facts, capacity/used per resource class, traits, candidates.

    ``capacity`` is placement's ``(total - reserved) * allocation_ratio`` summed over the
    host's provider tree; ``allocation_requests`` are the candidates whose root is this host.
    """

    facts: HostFacts
    capacity: dict[str, int] = dataclasses.field(default_factory=dict)
    used: dict[str, int] = dataclasses.field(default_factory=dict)
    traits: frozenset[str] = frozenset()
    providers: frozenset[str] = frozenset()
    allocation_requests: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    instances: set[str] = dataclasses.field(default_factory=set)
    failed_builds: int = 0

    @property
    def uuid(self) -> str:
        """The compute node (root resource provider) uuid."""
        return self.facts.uuid

    @property
    def host(self) -> str:
        """The compute service's host name."""
        return self.facts.host

    @property
    def nodename(self) -> str:
        """The hypervisor node name."""
        return self.facts.nodename

    @property
    def cell_uuid(self) -> str | None:
        """The cell the host belongs to."""
        return self.facts.cell_uuid

    def free(self, resource_class: str) -> int:
        """Capacity left for a resource class (0 when the host has none)."""
        return self.capacity.get(resource_class, 0) - self.used.get(resource_class, 0)

    def aggregate_values(self, key: str) -> frozenset[str]:
        """Values the host's aggregates give metadata ``key``."""
        return self.facts.aggregate_metadata.get(key, frozenset())

    def consume(self, allocation_request: Mapping[str, Any], instance_uuid: str | None) -> None:
        """Account for an instance placed here by ``allocation_request``."""
        for rp_uuid, alloc in allocation_request.get("allocations", {}).items():
            if rp_uuid not in self.providers:
                continue
            for rc, amount in alloc.get("resources", {}).items():
                self.used[rc] = self.used.get(rc, 0) + int(amount)
        if instance_uuid is not None:
            self.instances.add(instance_uuid)


def _root_of(rp_uuid: str, summaries: Mapping[str, Any]) -> str:
    summary = summaries.get(rp_uuid) or {}
    return str(summary.get("root_provider_uuid") or rp_uuid)


def _candidate_root(
    request: Mapping[str, Any], summaries: Mapping[str, Any], known: Mapping[str, HostFacts]
) -> str | None:
    roots = {_root_of(rp, summaries) for rp in request.get("allocations", {})}
    hosts = [r for r in roots if r in known]
    return hosts[0] if len(hosts) == 1 else (sorted(roots)[0] if len(roots) == 1 else None)


def build_host_states(
    candidates: Mapping[str, Any], facts: Iterable[HostFacts]
) -> tuple[list[HostState], list[str]]:
    """Merge a ``GET /allocation_candidates`` body with the facts of the compute nodes.

    Returns the host states (in the order placement listed their first candidate) and the
    root provider uuids placement offered but no facts describe (nova skips those too).
    """
    known = {f.uuid: f for f in facts}
    summaries: Mapping[str, Any] = candidates.get("provider_summaries") or {}
    by_root: dict[str, list[dict[str, Any]]] = {}
    for request in candidates.get("allocation_requests") or ():
        root = _candidate_root(request, summaries, known)
        if root is not None:
            by_root.setdefault(root, []).append(request)
    trees: dict[str, set[str]] = {}
    for rp in summaries:
        trees.setdefault(_root_of(rp, summaries), set()).add(rp)
    states: list[HostState] = []
    unknown: list[str] = []
    for root, requests in by_root.items():
        fact = known.get(root)
        if fact is None:
            unknown.append(root)
            continue
        tree = trees.get(root, set()) | {root}
        capacity: dict[str, int] = {}
        used: dict[str, int] = {}
        for rp in tree:
            for rc, amounts in (summaries.get(rp) or {}).get("resources", {}).items():
                capacity[rc] = capacity.get(rc, 0) + int(amounts.get("capacity", 0))
                used[rc] = used.get(rc, 0) + int(amounts.get("used", 0))
        traits = frozenset((summaries.get(root) or {}).get("traits", ()))
        states.append(
            HostState(
                facts=fact,
                capacity=capacity,
                used=used,
                traits=traits,
                providers=frozenset(tree),
                allocation_requests=requests,
                instances=set(fact.instances),
                failed_builds=fact.failed_builds,
            )
        )
    return states, unknown


def root_providers(candidates: Mapping[str, Any]) -> list[str]:
    """Uuids of the root providers (compute nodes) that the candidates allocate from."""
    summaries: Mapping[str, Any] = candidates.get("provider_summaries") or {}
    roots: dict[str, None] = {}
    for request in candidates.get("allocation_requests") or ():
        for rp in request.get("allocations", {}):
            roots[_root_of(rp, summaries)] = None
    return list(roots)

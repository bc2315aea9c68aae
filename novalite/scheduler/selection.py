"""Pick a host (plus alternates) for every instance of a request: nova's ``_schedule``.

Pure: given placement's candidates, the compute nodes' facts and the spec, it filters,
weighs and chooses; claiming the chosen allocation requests in placement is the caller's
job. Each choice is consumed from the host state before the next instance is placed, and
the instance joins its server group's members and hosts, so anti-affinity holds between
instances of the same request.
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from novalite.domain.request_spec import RequestSpec
from novalite.errors import NoValidHost
from novalite.scheduler.framework import Pipeline, RejectionRecord, WeighedHost, pre_filter
from novalite.scheduler.host_state import HostFacts, HostState, build_host_states
from novalite.scheduler.messages import Diagnostics, admin_message, user_message


@dataclasses.dataclass(frozen=True)
class Selection:
    """One host for one instance, with the allocation request to claim there."""

    instance_uuid: str
    host: str
    nodename: str
    compute_node_uuid: str
    cell_uuid: str | None
    allocation_request: Mapping[str, Any]
    weight: float


@dataclasses.dataclass(frozen=True)
class InstanceSelection:
    """The selected host of one instance, then its alternates (same cell), best first."""

    selected: Selection
    alternates: tuple[Selection, ...] = ()

    @property
    def all(self) -> list[Selection]:
        """Selected host followed by the alternates."""
        return [self.selected, *self.alternates]


def _selection(instance_uuid: str, weighed: WeighedHost) -> Selection:
    host = weighed.host
    return Selection(
        instance_uuid=instance_uuid,
        host=host.host,
        nodename=host.nodename,
        compute_node_uuid=host.uuid,
        cell_uuid=host.cell_uuid,
        allocation_request=host.allocation_requests[0],
        weight=weighed.weight,
    )


def _choose(
    weighed: list[WeighedHost], subset: int, rng: random.Random, shuffle_best: bool
) -> list[WeighedHost]:
    """Move a random one of the ``subset`` best hosts to the front (nova's host_subset_size).

    With ``shuffle_best`` the hosts sharing the best weight are shuffled first
    (``shuffle_best_same_weighed_hosts``).
    """
    if shuffle_best:
        best = [w for w in weighed if w.weight == weighed[0].weight]
        rng.shuffle(best)
        weighed = best + weighed[len(best) :]
    pick = rng.randrange(min(max(subset, 1), len(weighed)))
    return [weighed[pick], *weighed[:pick], *weighed[pick + 1 :]]


def _no_valid_host(diag: Diagnostics) -> NoValidHost:
    error = NoValidHost(
        reason=user_message(diag),
        details=admin_message(diag),
        rejections=diag.rejections.counts(),
        candidates=diag.candidates,
    )
    error.diagnostics = diag  # type: ignore[attr-defined]
    return error


def _consume(chosen: WeighedHost, spec: RequestSpec, instance_uuid: str) -> None:
    host = chosen.host
    host.consume(host.allocation_requests[0], instance_uuid)
    group = spec.instance_group
    if group is not None:
        group.hosts.append(host.host)
        if instance_uuid not in group.members:
            group.members.append(instance_uuid)


def select_destinations(
    spec: RequestSpec,
    candidates: Mapping[str, Any],
    facts: Iterable[HostFacts],
    pipeline: Pipeline,
    *,
    max_attempts: int = 3,
    host_subset_size: int = 1,
    shuffle_best_same_weighed_hosts: bool = False,
    query: str | None = None,
    rng: random.Random | None = None,
) -> list[InstanceSelection]:
    """Choose a host for each of ``spec``'s instances, each with up to ``max_attempts - 1``
    alternates in the same cell.

    ``candidates`` is the ``GET /allocation_candidates`` body, ``facts`` the compute nodes
    it may name, ``query`` the query string sent (quoted in the admin message). The caller's
    ``spec`` is not modified. Raises :class:`~novalite.errors.NoValidHost` whose message is
    the user summary and whose ``kwargs['details']`` is the admin message.
    """
    rng = rng or random.Random()
    spec = RequestSpec.from_primitive(spec.to_primitive())
    uuids = spec.all_instance_uuids
    record = RejectionRecord()
    hosts, unknown = build_host_states(candidates, facts)
    diag = Diagnostics(
        candidates=len(candidates.get("allocation_requests") or ()),
        hosts=len(hosts) + len(unknown),
        num_instances=len(uuids),
        query=query,
        rejections=record,
    )
    for rp_uuid in unknown:
        record.add("HostManager", rp_uuid, "no compute node known for this resource provider")
    hosts, forced = pre_filter(hosts, spec, record)
    chosen: list[tuple[str, WeighedHost]] = []
    ordered: list[WeighedHost] = []
    for index, instance_uuid in enumerate(uuids, start=1):
        spec.instance_uuid = instance_uuid
        passed = hosts if forced else pipeline.run_filters(hosts, spec, record)
        if not passed:
            diag.instance_index, diag.instance_uuid = index, instance_uuid
            raise _no_valid_host(diag)
        weighed = pipeline.weigh(passed, spec)
        ordered = _choose(weighed, host_subset_size, rng, shuffle_best_same_weighed_hosts)
        _consume(ordered[0], spec, instance_uuid)
        chosen.append((instance_uuid, ordered[0]))
        hosts = [w.host for w in ordered]
    return _with_alternates(
        chosen,
        ordered=ordered,
        hosts=hosts,
        spec=spec,
        pipeline=pipeline,
        forced=forced,
        max_attempts=max_attempts,
    )


def _with_alternates(
    chosen: Sequence[tuple[str, WeighedHost]],
    *,
    ordered: list[WeighedHost],
    hosts: list[HostState],
    spec: RequestSpec,
    pipeline: Pipeline,
    forced: bool,
    max_attempts: int,
) -> list[InstanceSelection]:
    num_alts = max(max_attempts - 1, 0)
    if len(chosen) > 1 and num_alts:
        # Resources were consumed for every chosen host: filter and weigh once more.
        passed = hosts if forced else pipeline.run_filters(hosts, spec, RejectionRecord())
        ordered = pipeline.weigh(passed, spec)
    taken = {id(w.host) for _, w in chosen}
    result: list[InstanceSelection] = []
    for instance_uuid, weighed in chosen:
        alternates: list[Selection] = []
        for alt in ordered:
            if len(alternates) >= num_alts:
                break
            if id(alt.host) in taken or alt.host.cell_uuid != weighed.host.cell_uuid:
                continue
            alternates.append(_selection(instance_uuid, alt))
        result.append(InstanceSelection(_selection(instance_uuid, weighed), tuple(alternates)))
    return result

"""Pick a host (plus alternates) for every instance of a request: nova's ``_schedule``.

:class:`SchedulingRun` holds one request's state: the host states built from placement's
candidates and the compute nodes' facts, the rejections so far, and the hosts chosen. For
each instance :meth:`SchedulingRun.rank` filters and weighs, the caller picks a host (the
first of the ranking, or the first whose claim in placement succeeds) and
:meth:`SchedulingRun.take` consumes it in the host state, adding the instance to its server
group's members and hosts, so that anti-affinity holds between instances of the same
request. :func:`select_destinations` is the whole loop without claims (pure).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from typing import Any

from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.errors import NoValidHost
from novalite.scheduler.framework import (
    Pipeline,
    RejectionRecord,
    WeighedHost,
    node_key,
    pre_filter,
)
from novalite.scheduler.host_state import HostFacts, HostState, build_host_states
from novalite.scheduler.messages import Diagnostics, admin_message, user_message

#: How a host refused by placement at claim time is named in the rejection record.
CLAIM_REJECTION = "PlacementClaim"


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


class SchedulingRun:
    """The scheduling of one request spec over one set of candidates.

    The caller's ``spec`` is not modified: the run works on a copy whose server group
    gains the hosts and members chosen so far. ``instance_uuids`` (default: the spec's)
    are the instances to place, in order.
    """

    def __init__(
        self,
        spec: RequestSpec,
        candidates: Mapping[str, Any],
        facts: Iterable[HostFacts],
        pipeline: Pipeline,
        *,
        instance_uuids: list[str] | None = None,
        host_subset_size: int = 1,
        shuffle_best_same_weighed_hosts: bool = False,
        query: str | None = None,
        allocation_request_version: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.spec = RequestSpec.from_primitive(spec.to_primitive())
        self.instance_uuids = list(instance_uuids or self.spec.all_instance_uuids)
        self.pipeline = pipeline
        self.record = RejectionRecord()
        self._subset = host_subset_size
        self._shuffle = shuffle_best_same_weighed_hosts
        self._rng = rng or random.Random()
        self._version = allocation_request_version
        hosts, unknown = build_host_states(candidates, facts)
        self.diagnostics = Diagnostics(
            candidates=len(candidates.get("allocation_requests") or ()),
            hosts=len(hosts) + len(unknown),
            num_instances=len(self.instance_uuids),
            query=query,
            rejections=self.record,
        )
        for rp_uuid in unknown:
            self.record.add(
                "HostManager", rp_uuid, "no compute node known for this resource provider"
            )
        self.hosts, self.forced = pre_filter(hosts, self.spec, self.record)
        self.chosen: list[tuple[str, WeighedHost]] = []
        self._ordered: list[WeighedHost] = []

    def rank(self, index: int, instance_uuid: str) -> list[WeighedHost]:
        """The hosts that may take instance ``index`` (1-based), the one to use first.

        Raises :class:`~novalite.errors.NoValidHost` when no host passes the filters.
        """
        self.spec.instance_uuid = instance_uuid
        passed = (
            self.hosts
            if self.forced
            else self.pipeline.run_filters(self.hosts, self.spec, self.record)
        )
        if not passed:
            raise self.no_valid_host(index, instance_uuid)
        weighed = self.pipeline.weigh(passed, self.spec)
        self._ordered = _choose(weighed, self._subset, self._rng, self._shuffle)
        return self._ordered

    def take(self, instance_uuid: str, chosen: WeighedHost) -> None:
        """Place ``instance_uuid`` on ``chosen``: consume its resources, join its group.

        As nova, the next instance is only offered the hosts of the last ranking.
        """
        host = chosen.host
        host.consume(host.allocation_requests[0], instance_uuid)
        group = self.spec.instance_group
        if group is not None:
            group.hosts.append(host.host)
            if instance_uuid not in group.members:
                group.members.append(instance_uuid)
        self.chosen.append((instance_uuid, chosen))
        self.hosts = [w.host for w in self._ordered]

    def drop(self, refused: WeighedHost, reason: str) -> None:
        """Forget a host placement refused to claim on (it is full or changed meanwhile)."""
        self.record.add(CLAIM_REJECTION, node_key(refused.host), reason)
        self.hosts = [h for h in self.hosts if h is not refused.host]
        self._ordered = [w for w in self._ordered if w is not refused]

    def no_valid_host(self, index: int, instance_uuid: str) -> NoValidHost:
        """The error for instance ``index`` (1-based): user summary, admin ``details``."""
        diag = self.diagnostics
        diag.instance_index, diag.instance_uuid = index, instance_uuid
        error = NoValidHost(
            reason=user_message(diag),
            details=admin_message(diag),
            rejections=diag.rejections.counts(),
            candidates=diag.candidates,
        )
        error.diagnostics = diag  # type: ignore[attr-defined]
        return error

    def selections(self, max_attempts: int) -> list[list[Selection]]:
        """Per chosen instance: its host, then up to ``max_attempts - 1`` alternates.

        Alternates are in the chosen host's cell and are none of the hosts chosen for the
        request; after several instances they are ranked again, with every choice consumed.
        """
        num_alts = max(max_attempts - 1, 0)
        ordered = self._ordered
        if len(self.chosen) > 1 and num_alts:
            passed = (
                self.hosts
                if self.forced
                else self.pipeline.run_filters(self.hosts, self.spec, RejectionRecord())
            )
            ordered = self.pipeline.weigh(passed, self.spec)
        taken = {id(w.host) for _, w in self.chosen}
        result: list[list[Selection]] = []
        for instance_uuid, weighed in self.chosen:
            picked = [self._selection(instance_uuid, weighed)]
            for alt in ordered:
                if len(picked) > num_alts:
                    break
                if id(alt.host) in taken or alt.host.cell_uuid != weighed.host.cell_uuid:
                    continue
                picked.append(self._selection(instance_uuid, alt))
            result.append(picked)
        return result

    def _selection(self, instance_uuid: str, weighed: WeighedHost) -> Selection:
        host: HostState = weighed.host
        return Selection(
            instance_uuid=instance_uuid,
            service_host=host.host,
            nodename=host.nodename,
            compute_node_uuid=host.uuid,
            cell_uuid=host.cell_uuid,
            allocation_request=dict(host.allocation_requests[0]),
            allocation_request_version=self._version,
            weight=weighed.weight,
        )


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
    allocation_request_version: str | None = None,
    rng: random.Random | None = None,
) -> list[list[Selection]]:
    """Choose a host for each of ``spec``'s instances, each followed by up to
    ``max_attempts - 1`` alternates in the same cell; nothing is claimed.

    ``candidates`` is the ``GET /allocation_candidates`` body, ``facts`` the compute nodes
    it may name, ``query`` the query string sent (quoted in the admin message). Raises
    :class:`~novalite.errors.NoValidHost` whose message is the user summary and whose
    ``kwargs['details']`` is the admin message.
    """
    run = SchedulingRun(
        spec,
        candidates,
        facts,
        pipeline,
        host_subset_size=host_subset_size,
        shuffle_best_same_weighed_hosts=shuffle_best_same_weighed_hosts,
        query=query,
        allocation_request_version=allocation_request_version,
        rng=rng,
    )
    for index, instance_uuid in enumerate(run.instance_uuids, start=1):
        run.take(instance_uuid, run.rank(index, instance_uuid)[0])
    return run.selections(max_attempts)

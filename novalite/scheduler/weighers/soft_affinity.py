"""ServerGroupSoftAffinityWeigher: prefer hosts with more members of a soft-affinity group."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.domain.server_group import SOFT_AFFINITY
from novalite.scheduler.framework import BaseWeigher
from novalite.scheduler.host_state import HostState


def members_on_host(host: HostState, spec: RequestSpec, policy: str) -> int:
    """Members of the request's group on ``host`` when the group has ``policy``, else 0."""
    group = spec.instance_group
    if group is None or group.policy != policy:
        return 0
    return len(host.instances.intersection(group.members))


class ServerGroupSoftAffinityWeigher(BaseWeigher):
    """Weight = members of a ``soft-affinity`` group on the host."""

    name = "ServerGroupSoftAffinityWeigher"
    option = "soft_affinity_weight_multiplier"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """Number of group members on the host (0 for other policies)."""
        return float(members_on_host(host, spec, SOFT_AFFINITY))

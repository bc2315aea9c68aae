"""ServerGroupSoftAntiAffinityWeigher: prefer hosts with fewer members of the group."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.domain.server_group import SOFT_ANTI_AFFINITY
from novalite.scheduler.framework import BaseWeigher
from novalite.scheduler.host_state import HostState
from novalite.scheduler.weighers.soft_affinity import members_on_host


class ServerGroupSoftAntiAffinityWeigher(BaseWeigher):
    """Weight = minus the members of a ``soft-anti-affinity`` group on the host."""

    name = "ServerGroupSoftAntiAffinityWeigher"
    option = "soft_anti_affinity_weight_multiplier"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """Minus the number of group members on the host (0 for other policies)."""
        return -float(members_on_host(host, spec, SOFT_ANTI_AFFINITY))

"""ServerGroupAntiAffinityFilter: members of an anti-affinity group are spread over hosts."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.domain.server_group import ANTI_AFFINITY
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState


class ServerGroupAntiAffinityFilter:
    """A host may run at most ``max_server_per_host`` (default 1) members of the group.

    The instance being moved does not count against its own host (nova's resize case).
    """

    name = "ServerGroupAntiAffinityFilter"

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass when fewer than ``max_server_per_host`` members already run on the host."""
        group = spec.instance_group
        if group is None or group.policy != ANTI_AFFINITY:
            return SUCCESS
        if spec.instance_uuid in host.instances:
            return SUCCESS
        on_host = len(host.instances.intersection(group.members))
        limit = group.max_server_per_host
        if on_host < limit:
            return SUCCESS
        return Status.reject(
            f"anti-affinity server group {group.uuid} already has {on_host} member(s) "
            f"here (max_server_per_host={limit})"
        )

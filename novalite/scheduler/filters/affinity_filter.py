"""ServerGroupAffinityFilter: members of an affinity group share one host."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.domain.server_group import AFFINITY
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState


class ServerGroupAffinityFilter:
    """Once a member is placed, only the group's hosts pass (for policy ``affinity``)."""

    name = "ServerGroupAffinityFilter"

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass when not an affinity group, no member is placed yet, or host is a group host."""
        group = spec.instance_group
        if group is None or group.policy != AFFINITY or not group.hosts:
            return SUCCESS
        if host.host in group.hosts:
            return SUCCESS
        return Status.reject(f"affinity server group {group.uuid} is on other hosts")

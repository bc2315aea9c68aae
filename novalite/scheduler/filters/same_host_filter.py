"""SameHostFilter: scheduler hint ``same_host`` = instances to share a host with."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState


class SameHostFilter:
    """Pass hosts that run at least one of the ``same_host`` instances."""

    name = "SameHostFilter"

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass without the hint, or when the host runs one of the named instances."""
        wanted = spec.hint("same_host")
        if not wanted or host.instances.intersection(wanted):
            return SUCCESS
        return Status.reject("host runs none of the same_host instances")

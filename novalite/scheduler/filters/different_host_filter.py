"""DifferentHostFilter: scheduler hint ``different_host`` = instances to stay away from."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState


class DifferentHostFilter:
    """Reject hosts that run any of the ``different_host`` instances."""

    name = "DifferentHostFilter"

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass without the hint, or when the host runs none of the named instances."""
        avoid = spec.hint("different_host")
        clash = host.instances.intersection(avoid) if avoid else set()
        if not clash:
            return SUCCESS
        return Status.reject(f"host runs different_host instance(s) {', '.join(sorted(clash))}")

"""ComputeFilter: the host's compute service is up and enabled."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState


class ComputeFilter:
    """Reject hosts whose nova-compute is disabled or has not been heard from."""

    name = "ComputeFilter"

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass when the service is enabled and up."""
        if host.facts.service_disabled:
            why = host.facts.disabled_reason
            return Status.reject("compute service is disabled" + (f": {why}" if why else ""))
        if not host.facts.service_up:
            return Status.reject("compute service is down (no recent heartbeat)")
        return SUCCESS

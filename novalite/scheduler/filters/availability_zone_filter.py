"""AvailabilityZoneFilter: the host is in the requested availability zone."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import SUCCESS, Status
from novalite.scheduler.host_state import HostState


class AvailabilityZoneFilter:
    """A host's zones are its aggregates' ``availability_zone`` metadata, else the default."""

    name = "AvailabilityZoneFilter"

    def __init__(self, default_availability_zone: str = "nova") -> None:
        self.default_availability_zone = default_availability_zone

    def filter(self, host: HostState, spec: RequestSpec) -> Status:
        """Pass when no zone is requested or the host is in it."""
        wanted = spec.availability_zone
        if not wanted:
            return SUCCESS
        zones = host.aggregate_values("availability_zone") or {self.default_availability_zone}
        if wanted in zones:
            return SUCCESS
        return Status.reject(
            f"host is in availability zone {', '.join(sorted(zones))}, not {wanted}"
        )

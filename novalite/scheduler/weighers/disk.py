"""DiskWeigher: free disk; positive multiplier spreads, negative stacks."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import BaseWeigher
from novalite.scheduler.host_state import HostState


class DiskWeigher(BaseWeigher):
    """Weigh by free ``DISK_GB`` (capacity with allocation ratio, minus used)."""

    name = "DiskWeigher"
    option = "disk_weight_multiplier"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """Free DISK_GB."""
        return float(host.free("DISK_GB"))

"""RAMWeigher: free RAM; positive multiplier spreads, negative stacks."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import BaseWeigher
from novalite.scheduler.host_state import HostState


class RAMWeigher(BaseWeigher):
    """Weigh by free ``MEMORY_MB`` (capacity with allocation ratio, minus used)."""

    name = "RAMWeigher"
    option = "ram_weight_multiplier"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """Free MEMORY_MB."""
        return float(host.free("MEMORY_MB"))

"""CPUWeigher: free vCPUs; positive multiplier spreads, negative stacks."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import BaseWeigher
from novalite.scheduler.host_state import HostState


class CPUWeigher(BaseWeigher):
    """Weigh by free ``VCPU`` (capacity with allocation ratio, minus used)."""

    name = "CPUWeigher"
    option = "cpu_weight_multiplier"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """Free VCPU."""
        return float(host.free("VCPU"))

"""BuildFailureWeigher: push hosts whose recent builds failed to the end."""

from __future__ import annotations

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.framework import BaseWeigher
from novalite.scheduler.host_state import HostState


class BuildFailureWeigher(BaseWeigher):
    """Weight = minus the host's consecutive build failures (multiplier default 1e6)."""

    name = "BuildFailureWeigher"
    option = "build_failure_weight_multiplier"

    def weigh(self, host: HostState, spec: RequestSpec) -> float:
        """Minus the failed build count."""
        return -float(host.failed_builds)

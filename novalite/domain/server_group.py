"""Server groups: a set of instances placed together or apart on hosts."""

from __future__ import annotations

import dataclasses
import uuid as uuidlib

from novalite.domain.base import DomainObject

AFFINITY = "affinity"
ANTI_AFFINITY = "anti-affinity"
SOFT_AFFINITY = "soft-affinity"
SOFT_ANTI_AFFINITY = "soft-anti-affinity"

POLICIES = frozenset({AFFINITY, ANTI_AFFINITY, SOFT_AFFINITY, SOFT_ANTI_AFFINITY})


@dataclasses.dataclass(kw_only=True, eq=False)
class ServerGroup(DomainObject):
    """nova's InstanceGroup: one policy, optional rules, the member instances and their hosts.

    ``hosts`` are the hosts the members run on (or were just scheduled to); the scheduler
    appends to it while it places the instances of one request.
    """

    VERSION = "1.0"

    id: int | None = None
    uuid: str = dataclasses.field(default_factory=lambda: str(uuidlib.uuid4()))
    name: str | None = None
    project_id: str | None = None
    user_id: str | None = None
    policy: str = ANTI_AFFINITY
    rules: dict[str, int] = dataclasses.field(default_factory=dict)
    members: list[str] = dataclasses.field(default_factory=list)
    hosts: list[str] = dataclasses.field(default_factory=list)

    @property
    def max_server_per_host(self) -> int:
        """The anti-affinity rule ``max_server_per_host`` (1 when unset)."""
        return int(self.rules.get("max_server_per_host", 1) or 1)

"""What this scheduler placed lately, until the cell databases know it.

An instance gets its host in a cell database only once the conductor has created it there,
a moment after the scheduler chose the host. Requests scheduled in that moment (members of
one server group created one after another, ``same_host``/``different_host`` hints naming
them) would not see the choice; nova's scheduler keeps it in its in-memory host states. This
keeps it for ``ttl`` seconds, per scheduler process.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Collection, Iterable

from novalite.domain.server_group import ServerGroup
from novalite.scheduler.host_state import HostFacts

DEFAULT_TTL = 600.0


class RecentPlacements:
    """``instance uuid -> host`` of recent choices, forgotten after ``ttl`` seconds."""

    def __init__(
        self, ttl: float = DEFAULT_TTL, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._clock = clock
        self._hosts: dict[str, tuple[str, float]] = {}

    def record(self, instance_uuid: str, host: str) -> None:
        """Remember that ``instance_uuid`` was placed on ``host`` just now."""
        self._hosts.pop(instance_uuid, None)
        self._hosts[instance_uuid] = (host, self._clock())

    def hosts_of(self, uuids: Iterable[str]) -> dict[str, str]:
        """The remembered hosts of ``uuids`` (those still remembered)."""
        self._expire()
        return {u: self._hosts[u][0] for u in uuids if u in self._hosts}

    def complete(self, facts: list[HostFacts], wanted: Collection[str]) -> list[HostFacts]:
        """``facts`` with the remembered instances among ``wanted`` added to their hosts.

        Instances the databases already place are forgotten: the databases know better
        (a rescheduled instance is no longer where it was first placed).
        """
        for fact in facts:
            for uuid in fact.instances:
                self._hosts.pop(uuid, None)
        recent = self.hosts_of(wanted)
        if not recent:
            return facts
        completed = []
        for fact in facts:
            extra = {u for u, host in recent.items() if host == fact.host} - fact.instances
            completed.append(
                dataclasses.replace(fact, instances=fact.instances | extra) if extra else fact
            )
        return completed

    def complete_group(self, group: ServerGroup) -> None:
        """Add the remembered hosts of ``group``'s members to ``group.hosts``."""
        for host in self.hosts_of(group.members).values():
            if host not in group.hosts:
                group.hosts.append(host)

    def _expire(self) -> None:
        cutoff = self._clock() - self._ttl
        for uuid, (_, at) in list(self._hosts.items()):
            if at >= cutoff:
                break  # insertion order is time order
            del self._hosts[uuid]

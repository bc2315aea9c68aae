"""The two "No valid host was found" messages: the admin's (detailed) and the user's."""

from __future__ import annotations

import dataclasses

from novalite.scheduler.framework import RejectionRecord

MAX_HOSTS_LISTED = 10
NOT_ENOUGH_HOSTS = "There are not enough hosts available."


@dataclasses.dataclass
class Diagnostics:
    """Everything known about a scheduling run, for the messages and for logs.

    ``candidates`` is the number of allocation requests placement returned, ``hosts`` the
    number of hosts they mapped to; ``instance_index`` is 1-based (the instance that failed).
    """

    candidates: int = 0
    hosts: int = 0
    instance_index: int = 1
    num_instances: int = 1
    instance_uuid: str | None = None
    query: str | None = None
    rejections: RejectionRecord = dataclasses.field(default_factory=RejectionRecord)


def _placement_part(diag: Diagnostics) -> str:
    query = f" for {diag.query}" if diag.query else ""
    return (
        f"Placement returned {diag.candidates} allocation candidate(s){query} "
        f"on {diag.hosts} host(s)"
    )


def admin_message(diag: Diagnostics) -> str:
    """Detailed reason: placement's count, then each filter, its count and the hosts' reasons."""
    which = f"instance {diag.instance_index} of {diag.num_instances}"
    if diag.instance_uuid:
        which += f" ({diag.instance_uuid})"
    text = f"No valid host was found for {which}. {_placement_part(diag)}"
    if not diag.candidates:
        return text + ": no host has room for the requested resources and traits."
    parts: list[str] = []
    for name, hosts in diag.rejections.by_filter.items():
        listed = [f"{h}: {r}" for h, r in sorted(hosts.items())[:MAX_HOSTS_LISTED]]
        more = len(hosts) - len(listed)
        if more > 0:
            listed.append(f"and {more} more")
        parts.append(f"{name} removed {len(hosts)} ({'; '.join(listed)})")
    if not parts:
        return text + "."
    return text + "; " + ", ".join(parts) + "."


def user_message(diag: Diagnostics) -> str:
    """Redacted reason for the user: no host names, no counts, only what kind of check failed."""
    if not diag.candidates:
        return f"{NOT_ENOUGH_HOSTS} No host has enough free resources for the requested flavor."
    names = list(diag.rejections.by_filter)
    if not names:
        return NOT_ENOUGH_HOSTS
    return f"{NOT_ENOUGH_HOSTS} Hosts were rejected by: {', '.join(names)}."

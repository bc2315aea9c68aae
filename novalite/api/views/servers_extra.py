"""What server views need beyond the instance row: host status (2.16) and groups (2.71).

Each is read once per request for all the servers of a page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from novalite.api.views.servers import ServerView, host_statuses
from novalite.api.wsgi import Call
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.domain.instance import Instance

COMPUTE_BINARY = "nova-compute"


async def host_statuses_of(
    call: Call, view: ServerView, instances: Sequence[Instance]
) -> dict[str, str]:
    """instance uuid -> host_status, for the instances with a host (when policy shows it)."""
    cells = call.deps.cells
    if view.host_status_unknown_only is None or cells is None:
        return {}
    by_cell: dict[str, list[Instance]] = defaultdict(list)
    for instance in instances:
        if instance.host and instance.cell_uuid:
            by_cell[instance.cell_uuid].append(instance)
    if not by_cell:
        return {}
    mappings = {cell.uuid: cell for cell in await cells.cells()}
    result: dict[str, str] = {}
    down_time = call.deps.service_down_time
    for cell_uuid, members in by_cell.items():
        cell = mappings.get(cell_uuid)
        if cell is None:
            continue
        repo = ServiceRepository(cells.database(cell), compute_binary=COMPUTE_BINARY)
        services = await repo.list(binary=COMPUTE_BINARY)
        by_host = host_statuses(
            {s.host: (s.forced_down, s.disabled, s.is_up(down_time)) for s in services}
        )
        for instance in members:
            result[instance.uuid] = by_host.get(instance.host or "", "")
    return result


async def server_groups_of(call: Call, instance: Instance) -> list[str]:
    """The uuids of the server groups ``instance`` belongs to (at most one)."""
    group = await ServerGroupRepository(call.deps.db).get_by_instance(instance.uuid)
    return [] if group is None else [group.uuid]

"""Ask placement for the allocation candidates of a :class:`ResourceRequest`."""

from __future__ import annotations

from typing import Any

from novalite.clients.placement import PlacementClient
from novalite.context import RequestContext
from novalite.scheduler.resource_request import ResourceRequest


async def get_allocation_candidates(
    client: PlacementClient, request: ResourceRequest, *, context: RequestContext | None = None
) -> dict[str, Any]:
    """``GET /allocation_candidates`` with the same parameters as ``request.to_querystring()``.

    The unsuffixed resources and traits go through the client's named arguments; granular
    groups, ``group_policy`` and ``member_of`` go through ``extra`` unchanged.
    """
    unsuffixed = request.groups.get("")
    resources = dict(unsuffixed.resources) if unsuffixed else {}
    required: list[str] = []
    extra: list[tuple[str, str]] = []
    if unsuffixed is not None:
        required = sorted(unsuffixed.required_traits)
        required += [f"!{t}" for t in sorted(unsuffixed.forbidden_traits)]
        extra += [p for p in unsuffixed.to_query_params() if p[0] in ("member_of", "in_tree")]
    for suffix, group in sorted(request.groups.items()):
        if suffix:
            extra.extend(group.to_query_params())
    if request.group_policy is not None:
        extra.append(("group_policy", request.group_policy))
    root = sorted(request.root_required) + [f"!{t}" for t in sorted(request.root_forbidden)]
    return await client.get_allocation_candidates(
        resources,
        required=required,
        root_required=root,
        limit=request.limit,
        extra=extra,
        context=context,
    )

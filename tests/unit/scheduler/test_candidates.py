"""The placement call carries the parameters of ``to_querystring()``."""

from __future__ import annotations

from typing import Any

import httpx

from novalite.clients.catalog import Catalog
from novalite.clients.placement import PlacementClient
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.scheduler.candidates import get_allocation_candidates
from novalite.scheduler.resource_request import from_request_spec
from tests.unit.scheduler.fakes import spec


class Tokens:
    async def get_token(self) -> str:
        return "t"

    async def get_catalog(self) -> Catalog:
        return Catalog()

    def invalidate(self, token: str) -> None:
        pass


async def test_query_sent_to_placement_matches_querystring() -> None:
    seen: list[httpx.Request] = []
    body: dict[str, Any] = {"allocation_requests": [], "provider_summaries": {}}

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=body)

    http = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    session = ServiceSession(
        Tokens(), EndpointFilter("placement", endpoint_override="http://p/placement"), client=http
    )
    request = from_request_spec(
        spec(
            extra_specs={
                "trait:HW_CPU_X86_AVX2": "required",
                "trait:CUSTOM_SLOW": "forbidden",
                "resources1:VGPU": "1",
                "group_policy": "none",
            },
            member_of=[["agg1"]],
        ),
        max_placement_results=50,
    )
    assert await get_allocation_candidates(PlacementClient(session), request) == body
    sent = sorted(seen[0].url.params.multi_items())
    assert canonical(sent) == canonical(request.to_query_params())


def canonical(params: list[tuple[str, str]]) -> list[tuple[str, frozenset[str]]]:
    """Trait lists are sets for placement: the client may order them differently."""
    return sorted((k, frozenset(v.split(","))) for k, v in params)

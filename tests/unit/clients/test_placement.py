"""PlacementClient against scripted placement answers (httpx.MockTransport)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from novalite.clients.catalog import Catalog
from novalite.clients.placement import PlacementClient
from novalite.clients.session import EndpointFilter, ServiceSession
from novalite.errors import PlacementConflict, ServiceHTTPError

RP = "4e8e5957-649f-477b-9e5b-f1f75b21c03c"
CONSUMER = "11111111-1111-1111-1111-111111111111"
TARGET = "22222222-2222-2222-2222-222222222222"


class Tokens:
    async def get_token(self) -> str:
        return "t"

    async def get_catalog(self) -> Catalog:
        return Catalog()

    def invalidate(self, token: str) -> None:
        pass


def conflict(
    code: str | None = "placement.concurrent_update", detail: str = "gen"
) -> httpx.Response:
    error: dict[str, Any] = {"status": 409, "title": "Conflict", "detail": detail}
    if code:
        error["code"] = code
    return httpx.Response(409, json={"errors": [error]})


class Script:
    """Answers requests with a handler per "METHOD path"; records every request."""

    def __init__(self, routes: dict[str, Callable[[httpx.Request], httpx.Response]]) -> None:
        self.routes = routes
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        key = f"{request.method} {request.url.path.removeprefix('/placement')}"
        return self.routes[key](request)

    def bodies(self, key: str) -> list[Any]:
        method, path = key.split(" ", 1)
        return [
            json.loads(r.content)
            for r in self.requests
            if r.method == method and r.url.path.removeprefix("/placement") == path
        ]


def client(script: Script, retries: int = 4) -> PlacementClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(script))
    s = ServiceSession(
        Tokens(), EndpointFilter("placement", endpoint_override="http://p/placement"), client=http
    )
    return PlacementClient(s, max_conflict_retries=retries)


def provider(generation: int) -> httpx.Response:
    return httpx.Response(
        200, json={"uuid": RP, "name": "host1", "generation": generation, "links": []}
    )


async def test_ensure_provider_creates_when_missing() -> None:
    script = Script(
        {
            f"GET /resource_providers/{RP}": lambda r: httpx.Response(404),
            "POST /resource_providers": lambda r: provider(0),
        }
    )
    pc = client(script)
    created = await pc.ensure_provider(RP, "host1")
    assert created["uuid"] == RP
    assert pc.generation(RP) == 0
    assert script.bodies("POST /resource_providers") == [{"name": "host1", "uuid": RP}]
    versions = [r.headers["openstack-api-version"] for r in script.requests]
    assert versions == ["placement 1.14", "placement 1.20"]


async def test_ensure_provider_tolerates_concurrent_creation() -> None:
    answers = iter([httpx.Response(404), provider(3)])
    script = Script(
        {
            f"GET /resource_providers/{RP}": lambda r: next(answers),
            "POST /resource_providers": lambda r: conflict("placement.duplicate_name"),
        }
    )
    assert (await client(script).ensure_provider(RP, "host1"))["generation"] == 3


async def test_set_inventory_retries_generation_conflicts() -> None:
    state = {"generation": 5, "puts": 0}

    def put(request: httpx.Request) -> httpx.Response:
        state["puts"] += 1
        body = json.loads(request.content)
        if state["puts"] == 1:
            state["generation"] += 1  # someone else wrote meanwhile
        if body["resource_provider_generation"] != state["generation"]:
            return conflict()
        state["generation"] += 1
        return httpx.Response(
            200,
            json={
                "resource_provider_generation": state["generation"],
                "inventories": body["inventories"],
            },
        )

    script = Script(
        {
            f"GET /resource_providers/{RP}": lambda r: provider(state["generation"]),
            f"PUT /resource_providers/{RP}/inventories": put,
        }
    )
    pc = client(script)
    result = await pc.set_inventory(RP, {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096}})
    assert result["resource_provider_generation"] == 7
    assert pc.generation(RP) == 7
    gens = [
        b["resource_provider_generation"]
        for b in script.bodies(f"PUT /resource_providers/{RP}/inventories")
    ]
    assert gens == [5, 6]
    assert script.requests[-1].headers["openstack-api-version"] == "placement 1.26"


async def test_set_inventory_gives_up_after_bounded_retries() -> None:
    script = Script(
        {
            f"GET /resource_providers/{RP}": lambda r: provider(1),
            f"PUT /resource_providers/{RP}/inventories": lambda r: conflict(),
        }
    )
    with pytest.raises(PlacementConflict):
        await client(script, retries=2).set_inventory(RP, {"VCPU": {"total": 1}})
    assert len(script.bodies(f"PUT /resource_providers/{RP}/inventories")) == 3


async def test_inventory_in_use_is_not_retried() -> None:
    script = Script(
        {
            f"GET /resource_providers/{RP}": lambda r: provider(1),
            f"PUT /resource_providers/{RP}/inventories": lambda r: conflict(
                "placement.inventory.inuse", "in use"
            ),
        }
    )
    with pytest.raises(PlacementConflict) as info:
        await client(script).set_inventory(RP, {})
    assert info.value.kwargs["placement_code"] == "placement.inventory.inuse"
    assert len(script.bodies(f"PUT /resource_providers/{RP}/inventories")) == 1


async def test_traits_and_aggregates() -> None:
    created: list[str] = []

    def put_trait(request: httpx.Request) -> httpx.Response:
        created.append(request.url.path.rsplit("/", 1)[1])
        return httpx.Response(201)

    puts = iter(
        [
            conflict(None),
            httpx.Response(200, json={"traits": [], "resource_provider_generation": 3}),
        ]
    )
    script = Script(
        {
            "GET /traits": lambda r: httpx.Response(200, json={"traits": ["COMPUTE_NODE"]}),
            "PUT /traits/CUSTOM_GOLD": put_trait,
            f"GET /resource_providers/{RP}": lambda r: provider(2),
            f"PUT /resource_providers/{RP}/traits": lambda r: next(puts),
            f"PUT /resource_providers/{RP}/aggregates": lambda r: httpx.Response(
                200, json={"aggregates": ["a"], "resource_provider_generation": 4}
            ),
        }
    )
    pc = client(script)
    await pc.set_traits(RP, ["COMPUTE_NODE", "CUSTOM_GOLD"])
    assert created == ["CUSTOM_GOLD"]
    assert script.requests[0].url.params["name"] == "in:COMPUTE_NODE,CUSTOM_GOLD"
    assert script.bodies(f"PUT /resource_providers/{RP}/traits")[-1] == {
        "traits": ["COMPUTE_NODE", "CUSTOM_GOLD"],
        "resource_provider_generation": 2,
    }
    await pc.set_aggregates(RP, ["a"])
    assert script.bodies(f"PUT /resource_providers/{RP}/aggregates") == [
        {"aggregates": ["a"], "resource_provider_generation": 3}
    ]
    assert script.requests[-1].headers["openstack-api-version"] == "placement 1.19"


async def test_missing_standard_trait_is_an_error() -> None:
    script = Script({"GET /traits": lambda r: httpx.Response(200, json={"traits": []})})
    with pytest.raises(ServiceHTTPError, match="HW_CPU_X86_AVX"):
        await client(script).ensure_traits(["HW_CPU_X86_AVX"])


async def test_ensure_resource_class() -> None:
    script = Script({"PUT /resource_classes/CUSTOM_X": lambda r: httpx.Response(204)})
    await client(script).ensure_resource_class("CUSTOM_X")
    assert script.requests[0].headers["openstack-api-version"] == "placement 1.7"


async def test_allocation_candidates_query() -> None:
    body: dict[str, Any] = {"allocation_requests": [], "provider_summaries": {}}
    script = Script({"GET /allocation_candidates": lambda r: httpx.Response(200, json=body)})
    result = await client(script).get_allocation_candidates(
        {"VCPU": 1, "MEMORY_MB": 512},
        root_required=["!COMPUTE_STATUS_DISABLED"],
        member_of=["agg2", "agg1"],
        limit=10,
        extra=[("resources1", "VGPU:1"), ("group_policy", "isolate")],
    )
    assert result == body
    request = script.requests[0]
    assert request.headers["openstack-api-version"] == "placement 1.36"
    assert list(request.url.params.multi_items()) == [
        ("resources", "MEMORY_MB:512,VCPU:1"),
        ("root_required", "!COMPUTE_STATUS_DISABLED"),
        ("member_of", "in:agg1,agg2"),
        ("limit", "10"),
        ("resources1", "VGPU:1"),
        ("group_policy", "isolate"),
    ]


ALLOC_REQ: dict[str, Any] = {
    "allocations": {RP: {"resources": {"VCPU": 1}}},
    "mappings": {"": [RP]},
}


async def test_claim_retries_provider_races_only() -> None:
    answers = iter([conflict(detail="resource provider generation conflict"), httpx.Response(204)])
    script = Script({f"PUT /allocations/{CONSUMER}": lambda r: next(answers)})
    await client(script).claim(CONSUMER, ALLOC_REQ, "p", "u")
    bodies = script.bodies(f"PUT /allocations/{CONSUMER}")
    assert len(bodies) == 2
    assert bodies[0] == {
        "allocations": ALLOC_REQ["allocations"],
        "project_id": "p",
        "user_id": "u",
        "consumer_generation": None,
        "mappings": {"": [RP]},
    }


async def test_claim_consumer_generation_conflict_raises() -> None:
    script = Script(
        {
            f"PUT /allocations/{CONSUMER}": lambda r: conflict(
                detail="consumer generation conflict - expected null but got 1"
            )
        }
    )
    with pytest.raises(PlacementConflict):
        await client(script).claim(CONSUMER, ALLOC_REQ["allocations"], "p", "u", 0)
    assert len(script.requests) == 1


async def test_get_and_delete_allocations_and_usages() -> None:
    script = Script(
        {
            f"GET /allocations/{CONSUMER}": lambda r: httpx.Response(200, json={"allocations": {}}),
            f"DELETE /allocations/{CONSUMER}": lambda r: httpx.Response(404),
            "GET /usages": lambda r: httpx.Response(200, json={"usages": {"VCPU": 2}}),
        }
    )
    pc = client(script)
    assert await pc.get_allocations(CONSUMER) == {"allocations": {}}
    assert await pc.delete_allocations(CONSUMER) is False
    assert await pc.get_usages("p", "u") == {"VCPU": 2}
    assert script.requests[-1].headers["openstack-api-version"] == "placement 1.9"
    assert script.requests[-1].url.params["user_id"] == "u"


async def test_move_allocations() -> None:
    source = {
        "allocations": {RP: {"generation": 3, "resources": {"VCPU": 2}}},
        "project_id": "p",
        "user_id": "u",
        "consumer_generation": 1,
    }
    script = Script(
        {
            f"GET /allocations/{CONSUMER}": lambda r: httpx.Response(200, json=source),
            f"GET /allocations/{TARGET}": lambda r: httpx.Response(200, json={"allocations": {}}),
            "POST /allocations": lambda r: httpx.Response(204),
        }
    )
    assert await client(script).move_allocations(CONSUMER, TARGET) is True
    assert script.bodies("POST /allocations") == [
        {
            CONSUMER: {
                "allocations": {},
                "project_id": "p",
                "user_id": "u",
                "consumer_generation": 1,
            },
            TARGET: {
                "allocations": {RP: {"resources": {"VCPU": 2}}},
                "project_id": "p",
                "user_id": "u",
                "consumer_generation": None,
            },
        }
    ]
    assert script.requests[-1].headers["openstack-api-version"] == "placement 1.28"


async def test_move_allocations_nothing_to_move() -> None:
    script = Script(
        {f"GET /allocations/{CONSUMER}": lambda r: httpx.Response(200, json={"allocations": {}})}
    )
    assert await client(script).move_allocations(CONSUMER, TARGET) is False

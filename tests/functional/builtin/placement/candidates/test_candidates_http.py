"""``GET /allocation_candidates`` over HTTP (in-process ASGI), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import pathlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from candidates_support import Seeder, seeding

from novalite.builtin.placement.options import PlacementOptions
from novalite.db.engine import Database
from tests.functional.builtin.placement.conftest import make_app, mv, placement_database

SAMPLES = pathlib.Path("/work/shared/reference/placement-api/samples/allocation_candidates")
AGG = "11111111-1111-1111-1111-111111111111"


async def cloud(s: Seeder) -> None:
    """Two compute nodes (one with SR-IOV and a vGPU child), a disabled one, shared disk."""
    await s.compute("cn1", vcpu=8, mem=4096, disk=100)
    await s.traits("cn1", "COMPUTE_NODE", "HW_CPU_X86_AVX2")
    await s.aggregates("cn1", AGG)
    await s.provider("cn1_pf", parent="cn1")
    await s.inventory("cn1_pf", "SRIOV_NET_VF", 8)
    await s.traits("cn1_pf", "CUSTOM_PHYSNET_A")
    await s.provider("cn1_gpu", parent="cn1")
    await s.inventory("cn1_gpu", "VGPU", 4)
    await s.compute("cn2", vcpu=4, mem=2048, disk=50)
    await s.traits("cn2", "COMPUTE_NODE")
    await s.allocate("cn2", "VCPU", 2)
    await s.compute("cn3")
    await s.traits("cn3", "COMPUTE_NODE", "COMPUTE_STATUS_DISABLED")
    await s.provider("ss")
    await s.inventory("ss", "DISK_GB", 2000)
    await s.traits("ss", "MISC_SHARES_VIA_AGGREGATE")
    await s.aggregates("ss", AGG)


@pytest.fixture
async def seeded(placement_db: Database) -> dict[str, str]:
    async with seeding(placement_db) as s:
        await cloud(s)
        return dict(s.uuids)


async def get(client: httpx.AsyncClient, query: str, version: str = "1.39") -> httpx.Response:
    return await client.get(f"/allocation_candidates?{query}", headers=mv(version))


def providers(body: dict[str, Any]) -> list[set[str]]:
    return [set(ar["allocations"]) for ar in body["allocation_requests"]]


async def test_nova_request(client: httpx.AsyncClient, seeded: dict[str, str]) -> None:
    query = (
        "limit=1000&resources=DISK_GB:1,MEMORY_MB:512,VCPU:1"
        "&root_required=COMPUTE_NODE,!COMPUTE_STATUS_DISABLED"
    )
    response = await get(client, query, "1.36")
    assert response.status_code == 200, response.text
    assert response.headers["openstack-api-version"] == "placement 1.36"
    assert response.headers["cache-control"] == "no-cache"
    body = response.json()
    u = seeded
    # cn1's disk may also come from the shared storage of its aggregate
    assert providers(body) == [{u["cn1"]}, {u["cn1"], u["ss"]}, {u["cn2"]}]
    # summaries cover the whole trees of the candidates (1.29+)
    assert {seeded["cn1_pf"], seeded["cn1_gpu"]} <= set(body["provider_summaries"])
    cn2 = body["provider_summaries"][seeded["cn2"]]
    assert cn2["resources"]["VCPU"] == {"capacity": 4, "used": 2}
    assert cn2["traits"] == ["COMPUTE_NODE"]


async def test_nested_sharing_and_granular(
    client: httpx.AsyncClient, seeded: dict[str, str]
) -> None:
    u = seeded
    body = (await get(client, "resources=VCPU:1,SRIOV_NET_VF:1,DISK_GB:10")).json()
    assert providers(body) == [{u["cn1"], u["cn1_pf"]}, {u["cn1"], u["cn1_pf"], u["ss"]}]
    body = (await get(client, "resources=DISK_GB:1500")).json()
    assert providers(body) == [{u["ss"]}]
    body = (
        await get(
            client,
            "resources=VCPU:1&resources_NET=SRIOV_NET_VF:2&required_NET=CUSTOM_PHYSNET_A"
            "&resources_GPU=VGPU:1&group_policy=isolate",
        )
    ).json()
    (request,) = body["allocation_requests"]
    assert request["mappings"] == {"": [u["cn1"]], "_GPU": [u["cn1_gpu"]], "_NET": [u["cn1_pf"]]}
    assert request["allocations"][u["cn1_pf"]] == {"resources": {"SRIOV_NET_VF": 2}}
    body = (
        await get(client, "resources=VCPU:1&resources1=SRIOV_NET_VF:1&required1=!CUSTOM_PHYSNET_A")
    ).json()
    assert body["allocation_requests"] == []


async def test_shapes_by_microversion(client: httpx.AsyncClient, seeded: dict[str, str]) -> None:
    samples = {
        v: json.loads((SAMPLES / f"get-allocation_candidates{v}.json").read_text())
        for v in ("", "-1.12", "-1.17", "-1.29", "-1.34")
    }

    def keys(body: dict[str, Any]) -> tuple[set[str], set[str]]:
        request = body["allocation_requests"][0]
        summary = next(iter(body["provider_summaries"].values()))
        return set(request), set(summary)

    for version, sample in (
        ("1.10", ""),
        ("1.12", "-1.12"),
        ("1.17", "-1.17"),
        ("1.29", "-1.29"),
        ("1.34", "-1.34"),
    ):
        body = (await get(client, "resources=MEMORY_MB:512", version)).json()
        assert keys(body) == keys(samples[sample]), version
    old = (await get(client, "resources=VCPU:1", "1.10")).json()
    assert isinstance(old["allocation_requests"][0]["allocations"], list)
    # below 1.27 only requested classes are summarised; below 1.29 nested trees are hidden
    summary = old["provider_summaries"][seeded["cn2"]]
    assert set(summary["resources"]) == {"VCPU"}
    assert seeded["cn1"] not in old["provider_summaries"]


@pytest.mark.parametrize(
    ("query", "version", "message"),
    [
        ("resources=VCPU:1&bogus=1", "1.39", "Invalid query string parameters"),
        ("", "1.39", "There must be at least one resources"),
        ("resources=VCPU:0", "1.39", "requires amount >= 1"),
        ("resources=VCPU:x", "1.39", "expected positive integer amount"),
        ("resources=VCPU", "1.39", "Badly formed resources parameter"),
        ("resources=CUSTOM_NOPE:1", "1.39", "No such resource class CUSTOM_NOPE"),
        ("resources=VCPU:1&required=CUSTOM_NOPE", "1.39", "No such trait(s): CUSTOM_NOPE"),
        ("resources=VCPU:1&required=!COMPUTE_NODE", "1.21", "Expected 'required' parameter"),
        ("resources=VCPU:1&required=HW_CPU_X86_AVX2,!HW_CPU_X86_AVX2", "1.39", "Conflicting"),
        ("resources=VCPU:1&member_of=a,b", "1.39", "must be prefixed with the 'in:'"),
        ("resources=VCPU:1&member_of=nope", "1.39", "valid UUID(s)"),
        ("resources=VCPU:1&in_tree=nope", "1.39", "format of uuid"),
        ("resources=VCPU:1&limit=0", "1.39", "Invalid query string parameters"),
        ("resources=VCPU:1&limit=1", "1.15", "Invalid query string parameters"),
        ("resources1=VCPU:1&resources2=VCPU:1", "1.39", '"group_policy" parameter is required'),
        ("resources=VCPU:1&required1=COMPUTE_NODE", "1.35", "orphaned traits keys: required1"),
        ("resources=VCPU:1&required1=COMPUTE_NODE", "1.36", "Resourceless suffixed group"),
        ("resources=VCPU:1&same_subtree=_X", "1.36", "Real suffixes should be specified"),
        ("resources=VCPU:1&root_required=A&root_required=B", "1.39", "only once"),
        ("resources_X=VCPU:1", "1.32", "Invalid query string parameters"),
        ("resources=VCPU:1&member_of=x&member_of=y", "1.23", "Multiple member_of"),
    ],
)
async def test_bad_input_is_400(
    client: httpx.AsyncClient, query: str, version: str, message: str
) -> None:
    response = await get(client, query, version)
    assert response.status_code == 400, response.text
    assert message in response.json()["errors"][0]["detail"]


async def test_not_before_1_10(client: httpx.AsyncClient) -> None:
    assert (await get(client, "resources=VCPU:1", "1.9")).status_code == 404


async def test_limit_and_randomize(placement_db: Database) -> None:
    async with seeding(placement_db) as s:
        for i in range(20):
            await s.compute(f"n{i:02d}")
    transport = httpx.ASGITransport(
        app=make_app(placement_db, PlacementOptions(randomize_allocation_candidates=True))
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://placement") as http:
        bodies = [(await get(http, "resources=VCPU:1&limit=5")).json() for _ in range(5)]
    assert all(len(b["allocation_requests"]) == 5 == len(b["provider_summaries"]) for b in bodies)
    assert len({frozenset(p for s in providers(b) for p in s) for b in bodies}) > 1
    for body in bodies:
        for summary in body["provider_summaries"].values():
            assert summary["resources"]["VCPU"] == {"capacity": 8, "used": 0}


@pytest.fixture(params=["postgresql", "mariadb"])
async def server_db_client(
    request: pytest.FixtureRequest,
) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Placement on a database server: PostgreSQL and MariaDB in turn."""
    db = await placement_database(request.getfixturevalue(f"{request.param}_url"))
    transport = httpx.ASGITransport(app=make_app(db))
    async with httpx.AsyncClient(transport=transport, base_url="http://placement") as http:
        yield http, db
    await db.dispose()


async def test_on_database_servers(
    server_db_client: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = server_db_client
    async with seeding(db) as s:
        await cloud(s)
        u = dict(s.uuids)
    body = (
        await get(client, "resources=VCPU:1,MEMORY_MB:512&root_required=!COMPUTE_STATUS_DISABLED")
    ).json()
    assert providers(body) == [{u["cn1"]}, {u["cn2"]}, {u["ss"]}] or providers(body) == [
        {u["cn1"]},
        {u["cn2"]},
    ]
    assert body["provider_summaries"][u["cn2"]]["resources"]["VCPU"] == {"capacity": 4, "used": 2}
    body = (await get(client, "resources=VCPU:1,SRIOV_NET_VF:1,DISK_GB:10")).json()
    assert providers(body) == [{u["cn1"], u["cn1_pf"]}, {u["cn1"], u["cn1_pf"], u["ss"]}]
    body = (await get(client, "resources=VCPU:1&limit=1", "1.16")).json()
    assert len(body["allocation_requests"]) == 1

"""Allocation writes on every backend: generations, moves, deletions, capacity, reshaper."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from novalite.db.engine import Database
from tests.functional.builtin.placement.conftest import make_app, mv, placement_database

RP = "3b4005be-d64b-456f-ba36-0ffd02718868"
RP2 = "7d2590ae-fb85-4080-9306-058b4c915e3f"


@pytest.fixture
async def http(any_db_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """A placement client over a fresh database of each backend, with two providers."""
    db: Database = await placement_database(any_db_url)
    try:
        transport = httpx.ASGITransport(app=make_app(db))
        async with httpx.AsyncClient(transport=transport, base_url="http://placement") as client:
            for name, rp in (("cn1", RP), ("cn2", RP2)):
                body = {"name": name, "uuid": rp}
                response = await client.post("/resource_providers", json=body, headers=mv("1.20"))
                assert response.status_code == 200
                inv = {
                    "resource_provider_generation": 0,
                    "inventories": {"VCPU": {"total": 8}, "MEMORY_MB": {"total": 4096}},
                }
                response = await client.put(f"/resource_providers/{rp}/inventories", json=inv)
                assert response.status_code == 200
            yield client
    finally:
        await db.dispose()


async def _generations(http: httpx.AsyncClient) -> dict[str, int]:
    return {
        rp: (await http.get(f"/resource_providers/{rp}")).json()["generation"] for rp in (RP, RP2)
    }


async def _put(
    http: httpx.AsyncClient, consumer: str, allocations: dict[str, dict[str, int]], gen: int | None
) -> httpx.Response:
    body = {
        "allocations": {rp: {"resources": res} for rp, res in allocations.items()},
        "project_id": "proj",
        "user_id": "user",
        "consumer_generation": gen,
        "consumer_type": "INSTANCE",
    }
    return await http.put(f"/allocations/{consumer}", json=body, headers=mv("1.38"))


async def _usages(http: httpx.AsyncClient, rp: str) -> dict[str, int]:
    usages: dict[str, int] = (await http.get(f"/resource_providers/{rp}/usages")).json()["usages"]
    return usages


async def test_replace_bumps_every_touched_provider_once(http: httpx.AsyncClient) -> None:
    consumer = str(uuid.uuid4())
    start = await _generations(http)
    assert (await _put(http, consumer, {RP: {"VCPU": 2}}, None)).status_code == 204
    assert await _generations(http) == {RP: start[RP] + 1, RP2: start[RP2]}
    # a move touches the old and the new provider
    assert (await _put(http, consumer, {RP2: {"VCPU": 3}}, 1)).status_code == 204
    assert await _generations(http) == {RP: start[RP] + 2, RP2: start[RP2] + 1}
    body = (await http.get(f"/allocations/{consumer}", headers=mv("1.38"))).json()
    assert body["consumer_generation"] == 2 and body["consumer_type"] == "INSTANCE"
    assert body["allocations"] == {RP2: {"generation": start[RP2] + 1, "resources": {"VCPU": 3}}}
    assert await _usages(http, RP) == {"VCPU": 0, "MEMORY_MB": 0}
    # a stale consumer generation changes nothing
    response = await _put(http, consumer, {RP: {"VCPU": 1}}, 1)
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "placement.concurrent_update"
    # no allocations left: the consumer is gone (a later PUT must treat it as new)
    assert (await _put(http, consumer, {}, 2)).status_code == 204
    assert (await http.get(f"/allocations/{consumer}")).json() == {"allocations": {}}
    assert await _generations(http) == {RP: start[RP] + 2, RP2: start[RP2] + 2}
    assert (await _put(http, consumer, {RP: {"VCPU": 1}}, None)).status_code == 204


async def test_capacity_counts_the_consumers_own_allocations_once(
    http: httpx.AsyncClient,
) -> None:
    other, consumer = str(uuid.uuid4()), str(uuid.uuid4())
    assert (await _put(http, other, {RP: {"VCPU": 5}}, None)).status_code == 204
    assert (await _put(http, consumer, {RP: {"VCPU": 3}}, None)).status_code == 204
    # resizing in place: 5 + 3 replaced by 5 + 3 fits, 5 + 4 does not
    assert (await _put(http, consumer, {RP: {"VCPU": 3, "MEMORY_MB": 4096}}, 1)).status_code == 204
    response = await _put(http, consumer, {RP: {"VCPU": 4}}, 2)
    assert response.status_code == 409
    assert "exceed the capacity" in response.json()["errors"][0]["detail"]
    response = await _put(http, consumer, {RP: {"DISK_GB": 1}}, 2)
    assert response.status_code == 409
    assert "Inventory for 'DISK_GB'" in response.json()["errors"][0]["detail"]
    response = await _put(http, consumer, {str(uuid.uuid4()): {"VCPU": 1}}, 2)
    assert response.status_code == 400
    assert await _usages(http, RP) == {"VCPU": 8, "MEMORY_MB": 4096}


async def test_reshaper_generations(http: httpx.AsyncClient) -> None:
    """Each new inventory bumps once, the new allocations once more (the old ones go first)."""
    consumer = str(uuid.uuid4())
    assert (await _put(http, consumer, {RP: {"VCPU": 4}}, None)).status_code == 204
    gens = await _generations(http)
    body = {
        "inventories": {
            RP: {
                "resource_provider_generation": gens[RP],
                "inventories": {"MEMORY_MB": {"total": 1}},
            },
            RP2: {"resource_provider_generation": gens[RP2], "inventories": {"VCPU": {"total": 8}}},
        },
        "allocations": {
            consumer: {
                "allocations": {RP2: {"resources": {"VCPU": 4}}},
                "project_id": "proj",
                "user_id": "user",
                "consumer_generation": 1,
            }
        },
    }
    response = await http.post("/reshaper", json=body, headers=mv("1.30"))
    assert response.status_code == 204, response.text
    assert await _generations(http) == {RP: gens[RP] + 1, RP2: gens[RP2] + 2}
    assert await _usages(http, RP2) == {"VCPU": 4}

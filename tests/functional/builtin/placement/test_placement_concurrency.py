"""Concurrent allocation writers can never exceed a provider's capacity."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from novalite.api_common.app import HttpServer
from tests.functional.builtin.placement.conftest import make_app, mv, placement_database

CAPACITY = 10


async def _race(url: str) -> None:
    db = await placement_database(url)
    server = HttpServer("placement-test", make_app(db), "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url, timeout=60) as http:
            rp = str(uuid.uuid4())
            response = await http.post(
                "/resource_providers", json={"name": "cn", "uuid": rp}, headers=mv("1.39")
            )
            assert response.status_code == 200
            response = await http.put(
                f"/resource_providers/{rp}/inventories",
                json={
                    "resource_provider_generation": 0,
                    "inventories": {"VCPU": {"total": CAPACITY}},
                },
                headers=mv("1.26"),
            )
            assert response.status_code == 200, response.text

            async def claim(amount: int) -> httpx.Response:
                body = {
                    "allocations": {rp: {"resources": {"VCPU": amount}}},
                    "project_id": "p",
                    "user_id": "u",
                    "consumer_generation": None,
                }
                return await http.put(f"/allocations/{uuid.uuid4()}", json=body, headers=mv("1.28"))

            amounts = [1 + i % 3 for i in range(50)]
            results = await asyncio.gather(*(claim(a) for a in amounts))
            statuses = {r.status_code for r in results}
            assert statuses <= {204, 409}, [r.text for r in results if r.status_code >= 500]
            won = sum(a for a, r in zip(amounts, results, strict=True) if r.status_code == 204)
            usage = (await http.get(f"/resource_providers/{rp}/usages")).json()["usages"]
            assert usage["VCPU"] == won <= CAPACITY
            assert any(r.status_code == 409 for r in results)
            for r in results:
                if r.status_code == 409:
                    assert r.json()["errors"][0]["code"] in (
                        "placement.concurrent_update",
                        "placement.undefined_code",
                    )
    finally:
        await server.stop(5)
        await db.dispose()


async def test_concurrent_allocations_sqlite(sqlite_url: str) -> None:
    await _race(sqlite_url)


@pytest.mark.postgresql
async def test_concurrent_allocations_postgresql(postgresql_url: str) -> None:
    await _race(postgresql_url)


@pytest.mark.mariadb
async def test_concurrent_allocations_mariadb(mariadb_url: str) -> None:
    await _race(mariadb_url)


async def _same_consumer(url: str) -> None:
    db = await placement_database(url)
    app = make_app(db)
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://placement"
        ) as http:
            rp = str(uuid.uuid4())
            await http.post("/resource_providers", json={"name": "cn", "uuid": rp})
            inv = {"resource_provider_generation": 0, "inventories": {"VCPU": {"total": 100}}}
            await http.put(f"/resource_providers/{rp}/inventories", json=inv)
            consumer = str(uuid.uuid4())
            body = {
                "allocations": {rp: {"resources": {"VCPU": 1}}},
                "project_id": "new-project",
                "user_id": "new-user",
                "consumer_generation": None,
            }
            results = await asyncio.gather(
                *(
                    http.put(f"/allocations/{consumer}", json=body, headers=mv("1.28"))
                    for _ in range(10)
                )
            )
            assert sorted(r.status_code for r in results) == [204] + [409] * 9
            current = (await http.get(f"/allocations/{consumer}", headers=mv("1.28"))).json()
            assert current["consumer_generation"] == 1
    finally:
        await db.dispose()


async def test_concurrent_new_consumer_sqlite(sqlite_url: str) -> None:
    await _same_consumer(sqlite_url)


@pytest.mark.postgresql
async def test_concurrent_new_consumer_postgresql(postgresql_url: str) -> None:
    await _same_consumer(postgresql_url)


@pytest.mark.mariadb
async def test_concurrent_new_consumer_mariadb(mariadb_url: str) -> None:
    await _same_consumer(mariadb_url)

"""Latency of ``GET /allocation_candidates`` on a cloud of N compute-node providers.

Set-up: a fresh placement database (SQLite file in a temporary directory, or a throwaway
PostgreSQL database created and dropped with ``psql -h 127.0.0.1 -U postgres``), N root
providers bulk-inserted through placement's models (VCPU 16 ratio 4.0, MEMORY_MB 65536
reserved 512, DISK_GB 1000; a third of them with 1-3 instances allocated; traits
COMPUTE_NODE and a few CPU traits), then checked through the API.

Measurement: the placement ASGI app served by uvicorn (``HttpServer``) on 127.0.0.1, one
httpx client over real HTTP, sequential requests at microversion 1.36 (what nova sends)::

    GET /allocation_candidates?resources=VCPU:1,MEMORY_MB:512,DISK_GB:1&limit=1000

    python bench/placement_candidates.py --db sqlite --providers 1000 --requests 200
    python bench/placement_candidates.py --db postgresql --providers 10000 --requests 200
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import subprocess
import tempfile
import time
import uuid as uuidlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
from sqlalchemy import insert, select
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from novalite.api_common.app import HttpServer
from novalite.builtin.placement.app import create_placement_app, prepare_placement_db
from novalite.builtin.placement.db.models import (
    Allocation,
    Inventory,
    ResourceProvider,
    ResourceProviderTrait,
    Trait,
)
from novalite.builtin.placement.options import PlacementOptions
from novalite.context import RequestContext
from novalite.db.engine import Database

QUERY = "resources=VCPU:1,MEMORY_MB:512,DISK_GB:1&limit=1000"
NOVA_QUERY = QUERY + "&root_required=COMPUTE_NODE,!COMPUTE_STATUS_DISABLED"
GRANULAR_QUERY = QUERY + "&resources1=SRIOV_NET_VF:1&group_policy=none"
HEADERS = {"OpenStack-API-Version": "placement 1.36", "Accept": "application/json"}
TRAITS = ("COMPUTE_NODE", "HW_CPU_X86_AVX2", "HW_CPU_X86_SSE42", "COMPUTE_IMAGE_TYPE_QCOW2")


class AdminContext:
    """Bench-only middleware: every request is an admin's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            scope.setdefault("state", {})["context"] = RequestContext.admin()
        await self.app(scope, receive, send)


@contextlib.contextmanager
def database_url(kind: str) -> Iterator[str]:
    """A fresh database of ``kind``, removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/placement.sqlite"
        return
    name = f"novalite_bench_{uuidlib.uuid4().hex[:10]}"
    psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-q", "-c"]
    subprocess.run([*psql, f"CREATE DATABASE {name}"], check=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        subprocess.run([*psql, f"DROP DATABASE {name}"], check=True)


async def populate(db: Database, count: int, *, nested: bool = False) -> list[str]:
    """Bulk-insert ``count`` compute-node providers; returns their uuids.

    ``nested``: each also gets a child provider (an SR-IOV PF with 8 SRIOV_NET_VF), which
    makes summaries include whole trees and granular requests take the general path.
    """
    uuids = [str(uuidlib.uuid4()) for _ in range(count)]
    async with db.writer() as session:
        rows = await session.execute(select(Trait.name, Trait.id).where(Trait.name.in_(TRAITS)))
        trait_ids = {str(name): int(tid) for name, tid in rows}
        await session.execute(
            insert(ResourceProvider),
            [
                {
                    "id": i + 1,
                    "uuid": u,
                    "name": f"cn{i:06d}",
                    "generation": 1,
                    "root_provider_id": i + 1,
                }
                for i, u in enumerate(uuids)
            ],
        )
        inventories: list[dict[str, Any]] = []
        allocations: list[dict[str, Any]] = []
        links: list[dict[str, Any]] = []
        for pid in range(1, count + 1):
            inventories += [
                {
                    "resource_provider_id": pid,
                    "resource_class_id": 0,
                    "total": 16,
                    "reserved": 0,
                    "max_unit": 16,
                    "allocation_ratio": 4.0,
                },
                {
                    "resource_provider_id": pid,
                    "resource_class_id": 1,
                    "total": 65536,
                    "reserved": 512,
                    "max_unit": 65536,
                    "allocation_ratio": 1.0,
                },
                {
                    "resource_provider_id": pid,
                    "resource_class_id": 2,
                    "total": 1000,
                    "reserved": 0,
                    "max_unit": 1000,
                    "allocation_ratio": 1.0,
                },
            ]
            for n in range(pid % 3 if pid % 3 else 0):
                consumer = str(uuidlib.uuid4())
                allocations += [
                    {
                        "resource_provider_id": pid,
                        "consumer_id": consumer,
                        "resource_class_id": rc,
                        "used": used,
                    }
                    for rc, used in ((0, 2 + n), (1, 4096), (2, 20))
                ]
            links += [{"resource_provider_id": pid, "trait_id": t} for t in trait_ids.values()]
        await session.execute(insert(Inventory), inventories)
        if allocations:
            await session.execute(insert(Allocation), allocations)
        await session.execute(insert(ResourceProviderTrait), links)
        if nested:
            await session.execute(
                insert(ResourceProvider),
                [
                    {
                        "id": count + i + 1,
                        "uuid": str(uuidlib.uuid4()),
                        "name": f"cn{i:06d}_pf",
                        "generation": 1,
                        "parent_provider_id": i + 1,
                        "root_provider_id": i + 1,
                    }
                    for i in range(count)
                ],
            )
            vf = [
                {"resource_provider_id": count + i + 1, "resource_class_id": 4, "total": 8}
                for i in range(count)
            ]
            await session.execute(insert(Inventory), vf)
    if db.backend == "postgresql":
        # What autovacuum would do shortly after a bulk load: fresh planner statistics.
        async with db.connection() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.exec_driver_sql("ANALYZE")
    return uuids


@contextlib.asynccontextmanager
async def serve(db: Database) -> AsyncIterator[str]:
    """The placement app over real HTTP; yields its base URL."""
    app = create_placement_app(PlacementOptions(), db, middleware=[Middleware(AdminContext)])
    server = HttpServer("placement-bench", app, "127.0.0.1", 0)
    await server.start()
    try:
        yield server.url
    finally:
        await server.stop(grace=5)


async def measure(client: httpx.AsyncClient, query: str, requests: int) -> list[float]:
    """Milliseconds of ``requests`` sequential GETs (after 10 warm-up ones)."""
    times = []
    for i in range(requests + 10):
        start = time.perf_counter()
        response = await client.get(f"/allocation_candidates?{query}", headers=HEADERS)
        elapsed = (time.perf_counter() - start) * 1000
        response.raise_for_status()
        if i >= 10:
            times.append(elapsed)
    return times


def report(label: str, times: list[float]) -> None:
    """Print median and p99."""
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    print(f"{label}: p50 {statistics.median(ordered):.1f} ms  p99 {p99:.1f} ms  (n={len(times)})")


async def main(args: argparse.Namespace) -> None:
    with database_url(args.db) as url:
        db = Database(url)
        try:
            await prepare_placement_db(db)
            started = time.perf_counter()
            uuids = await populate(db, args.providers, nested=args.nested)
            took = time.perf_counter() - started
            print(f"{args.db}: {args.providers} providers inserted in {took:.1f} s")
            async with serve(db) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
                check = await client.get(
                    f"/resource_providers/{uuids[0]}/inventories", headers=HEADERS
                )
                check.raise_for_status()
                assert check.json()["inventories"]["VCPU"]["allocation_ratio"] == 4.0
                first = (
                    await client.get(f"/allocation_candidates?{QUERY}", headers=HEADERS)
                ).json()
                expected = min(1000, args.providers)
                assert len(first["allocation_requests"]) == expected
                assert len(first["provider_summaries"]) == expected * (2 if args.nested else 1)
                report(
                    f"{args.db} N={args.providers} resources+limit=1000",
                    await measure(client, QUERY, args.requests),
                )
                if args.nova:
                    report(
                        f"{args.db} N={args.providers} nova query (root_required)",
                        await measure(client, NOVA_QUERY, args.requests),
                    )
                if args.nested:
                    report(
                        f"{args.db} N={args.providers} nested, granular SRIOV_NET_VF group",
                        await measure(client, GRANULAR_QUERY, args.requests),
                    )
        finally:
            await db.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--providers", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--nova", action="store_true", help="also time nova's root_required query")
    parser.add_argument(
        "--nested", action="store_true", help="give each node a PF child; time a granular query"
    )
    asyncio.run(main(parser.parse_args()))

"""Listing servers: build requests and two cells merged, sorted, filtered and paginated."""

from __future__ import annotations

import asyncio
import datetime
import pathlib
import statistics
import time
import uuid
from typing import Any

import httpx
import pytest

from novalite.domain.flavor import Flavor
from novalite.domain.instance import Instance
from tests.functional.api.conftest import ADMIN, MEMBER, OTHER, ServersEnv, headers
from tests.functional.api.test_compute_servers import IMAGE, create, make_flavor
from tests.functional.api.test_compute_servers_schemas import check_schema


@pytest.fixture
async def env(servers_env: ServersEnv) -> ServersEnv:
    await make_flavor(servers_env.client)
    await make_flavor(servers_env.client, "2")
    return servers_env


async def _spread(env: ServersEnv) -> dict[str, str]:
    """Five servers: two in cell1, one in ERROR in cell0, two still build requests."""
    names = {}
    for name in ("e", "a", "d", "b", "c"):
        names[name] = (await create(env, name=name))["server"]["id"]
    await env.schedule(names["a"])
    await env.schedule(names["b"], vm_state="stopped")
    await env.schedule(names["c"], env.cell0, host=None, vm_state="error")
    return names


async def _pages(env: ServersEnv, path: str, who: dict[str, str] = MEMBER) -> list[list[str]]:
    pages = []
    url: str | None = path
    while url:
        r = await env.client.get(url, headers=who)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append([s["id"] for s in body["servers"]])
        links = body.get("servers_links")
        url = links[0]["href"].removeprefix("http://compute.test") if links else None
    return pages


def _flat(pages: list[list[str]]) -> list[str]:
    return [server for page in pages for server in page]


async def test_list_merges_build_requests_and_cells(env: ServersEnv) -> None:
    names = await _spread(env)
    r = await env.client.get("/v2.1/servers/detail", headers=MEMBER)
    servers = r.json()["servers"]
    statuses = {s["name"]: s["status"] for s in servers}
    assert statuses == {"a": "ACTIVE", "b": "SHUTOFF", "c": "ERROR", "d": "BUILD", "e": "BUILD"}
    assert "servers_links" not in r.json()
    ordered = [s["id"] for s in servers]
    pages = await _pages(env, "/v2.1/servers?limit=2")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert _flat(pages) == ordered
    by_name = await _pages(env, "/v2.1/servers/detail?limit=2&sort_key=display_name&sort_dir=asc")
    assert _flat(by_name) == [names[n] for n in "abcde"]
    desc = await _pages(env, "/v2.1/servers?sort_key=display_name&sort_dir=desc&limit=3")
    assert _flat(desc) == [names[n] for n in "edcba"]
    assert await _pages(env, "/v2.1/servers", OTHER) == [[]]


async def test_list_is_not_confused_by_a_down_cell(env: ServersEnv) -> None:
    await _spread(env)
    await env.db(env.cell1).dispose()
    path = pathlib.Path(env.cell1.database_connection.removeprefix("sqlite:///"))
    await asyncio.to_thread(path.unlink)
    r = await env.client.get("/v2.1/servers", headers=MEMBER)
    assert r.status_code == 200
    assert len(r.json()["servers"]) == 3


async def test_marker_not_found(env: ServersEnv) -> None:
    await _spread(env)
    for marker in (str(uuid.uuid4()), "junk"):
        r = await env.client.get(f"/v2.1/servers?marker={marker}", headers=MEMBER)
        assert r.status_code == 400
        assert r.json()["badRequest"]["message"] == f"marker [{marker}] not found"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("name=^[ab]$", "ab"),
        ("status=ACTIVE", "a"),
        ("status=BUILD", "de"),
        ("status=SHUTOFF&status=ERROR", "bc"),
        ("status=bogus", ""),
        ("flavor=2", "e"),
        ("flavor=1", "abcd"),
        ("ip=10.0.0.1", ""),
        ("host=host1", "abcde"),
        ("image=70a599e0-31e7-49b7-b260-868f441e862b", "abcde"),
        ("image=" + str(uuid.uuid4()), ""),
    ],
)
async def test_filters(env: ServersEnv, query: str, expected: str) -> None:
    names = {}
    for name in "abcde":
        extra: dict[str, Any] = {"flavorRef": "2"} if name == "e" else {}
        names[name] = (await create(env, name=name, **extra))["server"]["id"]
    await env.schedule(names["a"])
    await env.schedule(names["b"], vm_state="stopped")
    await env.schedule(names["c"], env.cell0, host=None, vm_state="error")
    r = await env.client.get(f"/v2.1/servers/detail?{query}", headers=MEMBER)
    assert r.status_code == 200, r.text
    assert sorted(s["name"] for s in r.json()["servers"]) == list(expected)


async def test_filters_with_policy_and_versions(env: ServersEnv) -> None:
    names = await _spread(env)
    mine = (await create(env, who=OTHER, name="other"))["server"]["id"]
    r = await env.client.get("/v2.1/servers?all_tenants=1", headers=MEMBER)
    assert r.status_code == 403
    r = await env.client.get("/v2.1/servers?all_tenants", headers=ADMIN)
    assert len(r.json()["servers"]) == 6
    r = await env.client.get("/v2.1/servers?all_tenants=1&project_id=bob-project", headers=ADMIN)
    assert [s["id"] for s in r.json()["servers"]] == [mine]
    r = await env.client.get("/v2.1/servers?all_tenants=maybe", headers=ADMIN)
    assert r.status_code == 400
    r = await env.client.get("/v2.1/servers?host=host1&all_tenants=1", headers=ADMIN)
    assert sorted(s["id"] for s in r.json()["servers"]) == sorted([names["a"], names["b"]])
    r = await env.client.get("/v2.1/servers?sort_key=host", headers=MEMBER)
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == "Only administrators can sort servers by host"
    r = await env.client.get("/v2.1/servers?status=bogus", headers=headers(MEMBER, "2.38"))
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Invalid status value"
    r = await env.client.get("/v2.1/servers?status=DELETED", headers=MEMBER)
    assert r.status_code == 403
    r = await env.client.get("/v2.1/servers?foo=bar", headers=headers(MEMBER, "2.75"))
    assert r.status_code == 400
    r = await env.client.get("/v2.1/servers?foo=bar", headers=headers(MEMBER, "2.74"))
    assert r.status_code == 200
    r = await env.client.get("/v2.1/servers?locked=false", headers=headers(MEMBER, "2.73"))
    assert len(r.json()["servers"]) == 5
    r = await env.client.get("/v2.1/servers?locked=true", headers=headers(MEMBER, "2.73"))
    assert r.json()["servers"] == []
    r = await env.client.get("/v2.1/servers?locked=maybe", headers=headers(MEMBER, "2.73"))
    assert r.status_code == 400


async def test_changes_since_includes_deleted(env: ServersEnv) -> None:
    names = await _spread(env)
    before = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)).isoformat()
    r = await env.client.delete(f"/v2.1/servers/{names['c']}", headers=MEMBER)
    assert r.status_code == 204
    r = await env.client.get("/v2.1/servers/detail", headers=MEMBER)
    assert names["c"] not in [s["id"] for s in r.json()["servers"]]
    r = await env.client.get(
        "/v2.1/servers/detail", params={"changes-since": before}, headers=MEMBER
    )
    deleted = [s for s in r.json()["servers"] if s["id"] == names["c"]]
    assert deleted and deleted[0]["status"] == "DELETED"
    r = await env.client.get(
        "/v2.1/servers",
        params={"changes-since": before, "changes-before": "2000-01-01T00:00:00Z"},
        headers=headers(MEMBER, "2.66"),
    )
    assert r.status_code == 400
    r = await env.client.get("/v2.1/servers?deleted=true&all_tenants=1", headers=ADMIN)
    assert [s["id"] for s in r.json()["servers"]] == [names["c"]]


async def test_max_limit_caps_pages(env: ServersEnv) -> None:
    await _spread(env)
    r = await env.client.get("/v2.1/servers?limit=0", headers=MEMBER)
    assert len(r.json()["servers"]) == 5
    r = await env.client.get("/v2.1/servers?limit=-1", headers=MEMBER)
    assert r.status_code == 400


@pytest.mark.slow
async def test_detail_of_a_thousand_servers_is_fast(servers_env: ServersEnv) -> None:
    env = servers_env
    flavor = Flavor(flavorid="1", name="tiny", memory_mb=512, vcpus=1, root_gb=1)
    repo = env.instances(env.cell1)
    for index in range(1000):
        await repo.create(
            Instance(
                project_id="alice-project",
                user_id="alice",
                display_name=f"vm{index}",
                flavor=flavor,
                vm_state="active",
                host="host1",
                node="host1",
                image_ref=IMAGE,
                metadata={"k": "v"},
            )
        )
    timings = []
    for _ in range(7):
        started = time.perf_counter()
        r = await env.client.get("/v2.1/servers/detail?limit=1000", headers=headers(MEMBER, "2.85"))
        timings.append(time.perf_counter() - started)
        assert r.status_code == 200
        assert len(r.json()["servers"]) == 1000
    # Target: 150 ms (p50 measured ~70 ms on a busy 2-CPU host); the bound leaves room.
    assert statistics.median(timings) < 0.3, timings


async def test_tag_and_regex_filters_on_build_requests_and_cells(env: ServersEnv) -> None:
    names = {}
    for name, tags in (("a", ["x", "y"]), ("b", ["y"]), ("c", [])):
        created = await create(env, version="2.52", name=name, tags=tags, networks="none")
        names[name] = created["server"]["id"]
    await env.schedule(names["a"], power_state=1)
    await env.schedule(names["c"], power_state=4)

    async def listed(query: str, version: str = "2.83") -> str:
        r = await env.client.get(f"/v2.1/servers?{query}", headers=headers(MEMBER, version))
        assert r.status_code == 200, r.text
        ids = {s["id"] for s in r.json()["servers"]}
        return "".join(n for n in sorted(names) if names[n] in ids)

    assert await listed("tags=x,y") == "a"
    assert await listed("tags=y") == "ab"
    assert await listed("tags-any=x,nope") == "a"
    assert await listed("not-tags=x,y") == "bc"
    assert await listed("not-tags-any=x") == "bc"
    assert await listed("tags=x", version="2.25") == "abc"  # not a filter before 2.26
    assert await listed("power_state=4") == "c"
    assert await listed("power_state=4", version="2.82") == "abc"  # admin-only before 2.83
    r = await env.client.get("/v2.1/servers?key_name=(", headers=headers(MEMBER, "2.83"))
    assert r.status_code == 400


async def test_down_cell_gives_minimal_records_from_2_69(env: ServersEnv) -> None:
    names = await _spread(env)
    await env.db(env.cell1).dispose()
    path = pathlib.Path(env.cell1.database_connection.removeprefix("sqlite:///"))
    await asyncio.to_thread(path.unlink)
    down = {names["a"], names["b"]}

    async def get(url: str, version: str) -> httpx.Response:
        return await env.client.get(f"/v2.1/{url}", headers=headers(MEMBER, version))

    r = await get("servers", "2.68")
    assert {s["id"] for s in r.json()["servers"]} == {names[n] for n in "cde"}
    for handler, url in (("index", "servers"), ("detail", "servers/detail")):
        r = await get(url, "2.69")
        assert r.status_code == 200, r.text
        check_schema(r, "servers", f"ServersController.{handler}", "2.69")
        servers = r.json()["servers"]
        assert {s["id"] for s in servers[:2]} == down  # the unreachable cell's come first
        assert {s["status"] for s in servers[:2]} == {"UNKNOWN"}
        assert len(servers) == 5
    r = await get("servers?limit=4", "2.69")  # room for one of the two, the newest
    assert [s["id"] for s in r.json()["servers"]][:1] == [names["b"]]
    assert len(r.json()["servers"]) == 4
    r = await get(f"servers/{names['a']}", "2.69")
    assert r.status_code == 200, r.text
    check_schema(r, "servers", "ServersController.show", "2.69")
    server = r.json()["server"]
    assert (server["status"], server["OS-EXT-AZ:availability_zone"]) == ("UNKNOWN", "UNKNOWN")
    assert server["flavor"]["original_name"] and server["image"]["id"] == IMAGE
    r = await get(f"servers/{names['a']}", "2.71")
    check_schema(r, "servers", "ServersController.show", "2.71")
    assert r.json()["server"]["server_groups"] == []
    r = await get(f"servers/{names['a']}", "2.68")
    assert r.status_code == 500
    assert r.json()["computeFault"]["message"].startswith("Unexpected API Error.")
    r = await get(f"servers/{names['c']}", "2.69")  # cell0 still answers
    assert r.json()["server"]["status"] == "ERROR"

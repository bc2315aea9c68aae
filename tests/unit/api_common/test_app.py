import asyncio
import re

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from novalite.api_common.app import HttpServer, create_app, mount_services
from novalite.errors import NotFound


async def boom(request: Request) -> Response:
    raise RuntimeError("secret internals")


async def missing(request: Request) -> Response:
    raise NotFound("Flavor 42 could not be found.")


APP = create_app([Route("/boom", boom), Route("/missing", missing)])
REQ_ID = re.compile(r"^req-[0-9a-f-]{36}$")


async def test_healthcheck_and_request_id() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as c:
        resp = await c.get("/healthcheck")
    assert resp.status_code == 200
    assert resp.text == "OK"
    assert REQ_ID.match(resp.headers["x-openstack-request-id"])


async def test_novalite_error_becomes_nova_fault_body() -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=APP), base_url="http://t") as c:
        resp = await c.get("/missing")
    assert resp.status_code == 404
    assert resp.json() == {
        "itemNotFound": {"code": 404, "message": "Flavor 42 could not be found."}
    }
    assert resp.headers["content-type"] == "application/json; charset=UTF-8"


async def test_unexpected_error_is_500_without_details() -> None:
    transport = httpx.ASGITransport(app=APP, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        resp = await c.get("/boom")
    assert resp.status_code == 500
    body = resp.json()["computeFault"]
    assert body["code"] == 500
    assert "secret internals" not in body["message"]


async def test_http_server_picks_a_free_port_and_serves_mounts() -> None:
    server = HttpServer("test", mount_services({"/compute": APP}), "127.0.0.1", 0)
    await server.start()
    try:
        assert server.port > 0
        async with httpx.AsyncClient() as c:
            resp = await c.get(f"{server.url}/compute/healthcheck")
        assert resp.status_code == 200
    finally:
        await server.stop(1)


async def test_a_mounted_app_answers_with_the_listeners_request_id() -> None:
    inner = create_app([], request_id_headers=("x-openstack-request-id", "x-compute-request-id"))
    outer = mount_services({"/compute": inner})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=outer), base_url="http://t"
    ) as c:
        resp = await c.get("/compute/healthcheck")
    assert REQ_ID.match(resp.headers["x-openstack-request-id"])
    assert resp.headers["x-compute-request-id"] == resp.headers["x-openstack-request-id"]


async def test_keep_alive_requests_are_not_delayed_by_nagle() -> None:
    """Responses on a reused connection come without the ~40 ms of Nagle + delayed ACK."""
    server = HttpServer("test", APP, "127.0.0.1", 0)
    await server.start()
    try:
        async with httpx.AsyncClient() as c:
            await c.get(f"{server.url}/healthcheck")
            started = asyncio.get_running_loop().time()
            for _ in range(10):
                await c.get(f"{server.url}/healthcheck")
            elapsed = asyncio.get_running_loop().time() - started
        assert elapsed < 0.3, f"10 keep-alive requests took {elapsed:.3f} s"
    finally:
        await server.stop(1)

"""The in-process client answers exactly as httpx's ASGI transport does."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from novalite.clients.asgi import AsgiClient


async def _echo(request: Request) -> Response:
    body = await request.body()
    response = JSONResponse(
        {
            "method": request.method,
            "path": request.url.path,
            "query": sorted(request.query_params.multi_items()),
            "headers": {k: v for k, v in request.headers.items() if k != "user-agent"},
            "body": body.decode(),
            "client": list(request.client or ()),
            "base": str(request.base_url),
        },
        status_code=int(request.query_params.get("status", "200")),
    )
    response.headers.append("X-Multi", "a")
    response.headers.append("X-Multi", "b")
    return response


async def _boom(request: Request) -> Response:
    raise RuntimeError("boom")


APP = Starlette(
    routes=[
        Route("/echo/{rest:path}", _echo, methods=["GET", "POST", "PUT", "DELETE"]),
        Route("/boom", _boom),
    ]
)

URL = "http://novalite.internal:8774/echo/a%20b"


async def _both(method: str, url: str, **kwargs: Any) -> tuple[httpx.Response, httpx.Response]:
    async with (
        AsgiClient(APP) as direct,
        httpx.AsyncClient(transport=httpx.ASGITransport(app=APP)) as reference,
    ):
        return (
            await direct.request(method, url, **kwargs),
            await reference.request(method, url, **kwargs),
        )


@pytest.mark.parametrize(
    ("method", "kwargs"),
    [
        ("GET", {}),
        ("GET", {"params": {"limit": 5, "status": "404"}}),
        ("GET", {"params": [("a", "1"), ("a", "2")], "headers": {"X-Auth-Token": "t"}}),
        ("POST", {"json": {"x": [1, "é"]}, "headers": {"OpenStack-API-Version": "p 1.39"}}),
        ("PUT", {"json": None}),
        ("DELETE", {"headers": {"Accept": "application/json"}}),
    ],
)
async def test_direct_path_answers_like_the_asgi_transport(
    method: str, kwargs: dict[str, Any]
) -> None:
    direct, reference = await _both(method, URL + "?q=1", **kwargs)
    assert direct.status_code == reference.status_code
    got, expected = direct.json(), reference.json()
    if "json" in kwargs and kwargs["json"] is not None:
        assert httpx.Response(200, content=got["body"]).json() == kwargs["json"]
        got.pop("body"), expected.pop("body")
        got["headers"].pop("content-length"), expected["headers"].pop("content-length")
    for name in ("accept-encoding", "connection", "accept"):
        if name not in {k.lower() for k in kwargs.get("headers", {})}:
            expected["headers"].pop(name, None)
    assert got == expected
    assert direct.headers.get_list("X-Multi") == ["a", "b"]
    assert direct.request.method == method


async def test_application_errors_propagate() -> None:
    async with AsgiClient(APP) as client:
        with pytest.raises(RuntimeError, match="boom"):
            await client.get("http://novalite.internal/boom")


async def test_shortcut_methods_take_the_direct_path() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await APP(scope, receive, send)

    async with AsgiClient(app) as client:
        client._transport = httpx.MockTransport(lambda request: httpx.Response(599))
        response = await client.get(URL, headers={"X-Auth-Token": "t"}, params={"a": "1"})
        posted = await client.post(URL, json={"b": 2})
    assert (response.status_code, posted.status_code) == (200, 200)
    assert seen == ["/echo/a b", "/echo/a b"]


async def test_other_requests_take_the_httpx_path() -> None:
    async with AsgiClient(APP) as client:
        response = await client.request("POST", URL, content=b"raw")
    assert response.json()["body"] == "raw"

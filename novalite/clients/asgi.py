"""An HTTP client answered by an ASGI application of this process.

The all-in-one's services reach its built-in identity and placement this way: the same
requests, headers, tokens and middleware as over the network, without a socket. Requests
made with a method, an absolute URL, headers, query parameters and a JSON body (what the
service clients send, with ``request()`` or ``get()``, ``post()``...) go straight to the
application; httpx's client machinery (cookies, auth
flows, redirects, event hooks), a third of the cost of an in-process request, is left
out. Anything else goes through ``httpx.ASGITransport`` as before.
"""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

import httpx
import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The peer address an in-process request comes from (what ``httpx.ASGITransport`` says).
CLIENT = ("127.0.0.1", 123)

_SCHEMES = ("http://", "https://")

#: Methods whose requests say ``Content-Length`` even without a body (as httpx does).
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class AsgiClient(httpx.AsyncClient):
    """An ``httpx.AsyncClient`` whose requests ``app`` answers in this process."""

    def __init__(self, app: ASGIApp, *, timeout: float = 30.0) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), timeout=timeout)
        self._app = app

    async def request(  # type: ignore[override]
        self,
        method: str,
        url: httpx.URL | str,
        *,
        json: Any = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        """Send one request; see the module docstring for what takes the direct path."""
        if isinstance(url, str) and url.startswith(_SCHEMES) and not _told(kwargs):
            return await self._direct(method, url, json, params, headers or {})
        return await super().request(
            method, url, json=json, params=params, headers=headers, **kwargs
        )

    async def _direct(
        self, method: str, url: str, json: Any, params: Any, headers: Mapping[str, str]
    ) -> httpx.Response:
        sent = dict(headers)
        body = b""
        if json is not None:
            body = orjson.dumps(json)
            if not any(name.lower() == "content-type" for name in sent):
                sent["Content-Type"] = "application/json"
        scope = _scope(method.upper(), url, params, sent, body)
        status, response_headers, content = await _call(self._app, scope, body)
        return httpx.Response(
            status,
            headers=response_headers,
            content=content,
            request=httpx.Request(method, url),
        )


def _told(options: Mapping[str, Any]) -> bool:
    """Whether httpx options (cookies, auth, timeout...) were given values of their own:
    ``get()``, ``post()``... pass None or ``USE_CLIENT_DEFAULT`` for those not given."""
    return any(
        value is not None and value is not httpx.USE_CLIENT_DEFAULT for value in options.values()
    )


def _scope(
    method: str,
    url: str,
    params: Any,
    headers: Mapping[str, str],
    body: bytes,
) -> Scope:
    parts = urllib.parse.urlsplit(url)
    query = str(httpx.QueryParams(params)) if params else parts.query  # replaces, as in httpx
    default_port = 443 if parts.scheme == "https" else 80
    raw_headers = [(b"host", parts.netloc.encode("ascii"))]
    raw_headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    if body or method in _BODY_METHODS:
        raw_headers.append((b"content-length", str(len(body)).encode("ascii")))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": parts.scheme,
        "path": urllib.parse.unquote(parts.path),
        "raw_path": parts.path.encode("ascii"),
        "query_string": query.encode("ascii"),
        "root_path": "",
        "headers": raw_headers,
        "client": CLIENT,
        "server": (parts.hostname or "", parts.port or default_port),
        "extensions": {},
    }


async def _call(
    app: ASGIApp, scope: Scope, body: bytes
) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
    """Run ``app`` on one request; its status, headers and whole body."""
    sent = False
    done = asyncio.Event()
    status = 500
    response_headers: list[tuple[bytes, bytes]] = []
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        nonlocal status, response_headers
        if message["type"] == "http.response.start":
            status = message["status"]
            response_headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                done.set()

    try:
        await app(scope, receive, send)
    finally:
        done.set()
    return status, response_headers, b"".join(chunks)

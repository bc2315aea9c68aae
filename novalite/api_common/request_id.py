"""Request ids: one per request, in the logs and in the response headers."""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from novalite.context import generate_request_id
from novalite.log import request_id_scope

_GLOBAL_ID = re.compile(r"^req-[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$")

REQUEST_ID_HEADER = "x-openstack-request-id"
COMPUTE_REQUEST_ID_HEADER = "x-compute-request-id"


class RequestIdMiddleware:
    """Give each request an id, log under it, and return it in the response headers.

    A valid ``X-OpenStack-Request-ID`` from the caller is kept as the global
    request id (in ``scope["state"]``); the local id is new for each request,
    and shared by nested applications (a service mounted in the all-in-one's
    listener answers with the listener's id in all its headers).
    """

    def __init__(self, app: ASGIApp, headers: tuple[str, ...] = (REQUEST_ID_HEADER,)) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        request_id = state.get("request_id") or generate_request_id()
        state["request_id"] = request_id
        incoming = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode())
        if incoming and _GLOBAL_ID.match(incoming.decode("latin-1")):
            state["global_request_id"] = incoming.decode("latin-1")

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name in self.headers:
                    headers[name] = request_id
            await send(message)

        with request_id_scope(request_id):
            await self.app(scope, receive, send_with_id)

"""Building a service's ASGI application and serving it."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator, Sequence

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from novalite.api_common.faults import ErrorRenderer, error_handlers, render_nova_fault
from novalite.api_common.request_id import REQUEST_ID_HEADER, RequestIdMiddleware

LOG = logging.getLogger(__name__)


async def healthcheck(request: Request) -> Response:
    """oslo.middleware-style liveness probe: ``200 OK`` while the process serves."""
    return PlainTextResponse("OK")


def create_app(
    routes: Sequence[BaseRoute],
    *,
    request_id_headers: tuple[str, ...] = (REQUEST_ID_HEADER,),
    render_error: ErrorRenderer = render_nova_fault,
    middleware: Sequence[Middleware] = (),
) -> ASGIApp:
    """An application with request ids, errors rendered by ``render_error``, ``/healthcheck``.

    ``middleware`` (for example authentication) runs inside the request-id
    middleware, so it logs under the request's id.
    """
    app = Starlette(
        routes=[*routes, Route("/healthcheck", healthcheck, methods=["GET", "HEAD"])],
        exception_handlers=error_handlers(render_error),  # type: ignore[arg-type]
        middleware=list(middleware),
    )
    return RequestIdMiddleware(app, headers=request_id_headers)


def mount_services(services: dict[str, ASGIApp]) -> ASGIApp:
    """One application serving each service under its own path (``/compute``, ...)."""
    routes: list[BaseRoute] = [Mount(path, app=app) for path, app in services.items()]
    return create_app(routes)


class DeferredApp:
    """An ASGI app whose target is set after the listener is created.

    The all-in-one binds its listener first (to learn the port for the service
    catalog) and builds the applications that need that URL afterwards.
    """

    def __init__(self) -> None:
        self.target: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.target is None:
            raise RuntimeError("the application was not set before serving")
        await self.target(scope, receive, send)


class _QuietServer(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the service's launcher."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpServer:
    """An HTTP listener for an ASGI app, as a service component.

    ``port=0`` picks a free port; :attr:`port` tells which once started.
    """

    def __init__(self, name: str, app: ASGIApp, host: str, port: int) -> None:
        self._name = name
        self._host = host
        self._port = port
        self._server = _QuietServer(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=None,
                access_log=False,
                lifespan="off",
                server_header=False,
            )
        )
        self._task: asyncio.Task[None] | None = None
        self._socket: socket.socket | None = None

    @property
    def name(self) -> str:
        return f"{self._name} on http://{self._host}:{self.port}"

    @property
    def port(self) -> int:
        """The port being listened on (the chosen one when configured as 0)."""
        return self._port

    @property
    def url(self) -> str:
        """The base URL of this listener."""
        return f"http://{self._host}:{self._port}"

    def bind(self) -> int:
        """Bind the listening socket now (idempotent) and return the port.

        Lets a caller learn the port chosen for ``port=0`` before serving, for
        example to put the URL in a service catalog.
        """
        if self._socket is not None:
            return self._port
        family = socket.AF_INET6 if ":" in self._host else socket.AF_INET
        # proto IPPROTO_TCP (not 0): asyncio then turns Nagle off on accepted connections,
        # which keep-alive clients otherwise pay for with ~40 ms of delayed ACK per request.
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self._host, self._port))
        except OSError as exc:
            sock.close()
            raise OSError(
                exc.errno, f"cannot listen on {self._host}:{self._port}: {exc.strerror}"
            ) from None
        sock.set_inheritable(True)
        self._socket = sock
        self._port = sock.getsockname()[1]
        return self._port

    async def start(self) -> None:
        self.bind()
        assert self._socket is not None
        self._task = asyncio.create_task(
            self._server.serve(sockets=[self._socket]), name=self._name
        )
        while not self._server.started:
            if self._task.done():
                self._task.result()
                raise RuntimeError(f"{self._name} stopped while starting")
            await asyncio.sleep(0.01)
        LOG.info("%s listening on %s", self._name, self.url)

    async def stop(self, grace: float) -> None:
        if self._task is None:
            if self._socket is not None:
                self._socket.close()
            return
        self._server.should_exit = True
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout=grace)
        except TimeoutError:
            self._server.force_exit = True
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._socket is not None:
            self._socket.close()

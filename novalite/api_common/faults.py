"""Error responses: how an exception becomes a body, in each service's own format.

Every service renders errors through an :data:`ErrorRenderer`; the default is
nova's ``{"<faultName>": {"code": N, "message": "..."}}``. Placement (API-SIG
``{"errors": [...]}``) and identity (``{"error": {...}}``) pass their own.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from novalite.errors import NovaliteError

LOG = logging.getLogger(__name__)

_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    409: "conflictingRequest",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}

UNEXPECTED_MESSAGE = (
    "Unexpected API Error. Please report this at http://bugs.launchpad.net/nova/ "
    "and attach the Nova API log if possible."
)


def fault_name(status: int) -> str:
    """The fault key nova uses for an HTTP status."""
    return _FAULT_NAMES.get(status, "computeFault")


#: ``(request, status, message, code, headers) -> response``; ``code`` is the
#: error's stable code when it is a :class:`NovaliteError`, else None.
ErrorRenderer = Callable[[Request, int, str, str | None, Mapping[str, str] | None], Response]


def fault_response(status: int, message: str) -> JSONResponse:
    """A JSON response with nova's error body for ``status``."""
    return JSONResponse(
        {fault_name(status): {"code": status, "message": message}},
        status_code=status,
        media_type="application/json; charset=UTF-8",
    )


def render_nova_fault(
    request: Request,
    status: int,
    message: str,
    code: str | None,
    headers: Mapping[str, str] | None,
) -> Response:
    """The default :data:`ErrorRenderer`: nova's fault body."""
    response = fault_response(status, message)
    if headers:
        response.headers.update(headers)
    return response


def error_handlers(render: ErrorRenderer) -> dict[type[Exception], Callable[..., object]]:
    """Starlette exception handlers that render every error with ``render``."""

    async def novalite_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, NovaliteError)
        if exc.http_status >= 500:
            LOG.error("%s %s failed: %s", request.method, request.url.path, exc)
        headers = getattr(exc, "headers", None)
        return render(request, exc.http_status, exc.message, exc.code, headers)

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return render(request, exc.status_code, str(exc.detail), None, exc.headers)

    async def unexpected_error(request: Request, exc: Exception) -> Response:
        LOG.exception("%s %s raised an unexpected error", request.method, request.url.path)
        return render(request, 500, UNEXPECTED_MESSAGE, None, None)

    return {
        NovaliteError: novalite_error,
        HTTPException: http_error,
        Exception: unexpected_error,
    }

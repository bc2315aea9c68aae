"""Nova's error bodies: ``{"<faultName>": {"code": N, "message": "..."}}``."""

from __future__ import annotations

import logging

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


def fault_response(status: int, message: str) -> JSONResponse:
    """A JSON response with nova's error body for ``status``."""
    return JSONResponse(
        {fault_name(status): {"code": status, "message": message}},
        status_code=status,
        media_type="application/json; charset=UTF-8",
    )


async def novalite_error_handler(request: Request, exc: Exception) -> Response:
    """Turn a :class:`NovaliteError` into its fault body; its message is meant for users."""
    assert isinstance(exc, NovaliteError)
    if exc.http_status >= 500:
        LOG.error("%s %s failed: %s", request.method, request.url.path, exc)
    return fault_response(exc.http_status, exc.message)


async def unexpected_error_handler(request: Request, exc: Exception) -> Response:
    """Any other exception: log it, answer 500 without leaking its text."""
    LOG.exception("%s %s raised an unexpected error", request.method, request.url.path)
    return fault_response(500, UNEXPECTED_MESSAGE)

"""The Compute API application."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.middleware import Middleware
from starlette.types import ASGIApp

from novalite.api_common.app import create_app
from novalite.api_common.request_id import COMPUTE_REQUEST_ID_HEADER, REQUEST_ID_HEADER

#: Paths served without a token (version documents, health).
PUBLIC_PATHS = ("/", "/healthcheck")


def create_compute_app(middleware: Sequence[Middleware] = ()) -> ASGIApp:
    """The Compute API: version documents and resources arrive with the API frame issue.

    It serves ``/healthcheck`` and answers every request with a request id in
    both of nova's headers. ``middleware`` is the authentication in front of it.
    """
    return create_app(
        [],
        request_id_headers=(REQUEST_ID_HEADER, COMPUTE_REQUEST_ID_HEADER),
        middleware=middleware,
    )

"""``GET /`` and ``GET /v3``: keystone's version documents."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from novalite.builtin.identity.views import v3_url


def _version(request: Request) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": v3_url(request) + "/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


async def versions(request: Request) -> Response:
    """``GET /``: 300 Multiple Choices listing v3, with ``Location``."""
    return JSONResponse(
        {"versions": {"values": [_version(request)]}},
        status_code=300,
        headers={"Location": v3_url(request) + "/"},
    )


async def version(request: Request) -> Response:
    """``GET /v3``: the v3 version document."""
    return JSONResponse({"version": _version(request)})

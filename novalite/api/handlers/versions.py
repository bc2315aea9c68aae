"""Version documents: ``GET /`` (all versions), ``GET /v2.1`` (redirect), ``GET /v2.1/``."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from novalite.api.wsgi import Call, json_response, service_root
from novalite.api_common.microversion import Version

_MEDIA_TYPES = [
    {"base": "application/json", "type": "application/vnd.openstack.compute+json;version=2.1"}
]
_UPDATED_V21 = "2013-07-23T11:33:21Z"
_UPDATED_V20 = "2025-07-04T12:00:00Z"


def _v20(root: str) -> dict[str, Any]:
    return {
        "id": "v2.0",
        "links": [{"href": f"{root}/v2/", "rel": "self"}],
        "status": "DEPRECATED",
        "version": "",
        "min_version": "",
        "updated": _UPDATED_V20,
    }


def _v21(root: str, max_version: Version) -> dict[str, Any]:
    return {
        "id": "v2.1",
        "links": [{"href": f"{root}/v2.1/", "rel": "self"}],
        "status": "CURRENT",
        "version": str(max_version),
        "min_version": "2.1",
        "updated": _UPDATED_V21,
    }


def versions_endpoint(max_version: Version) -> Any:
    """``GET /``: both API versions (no auth, no microversion headers)."""

    async def versions(request: Request) -> Response:
        root = service_root(request)
        return JSONResponse({"versions": [_v20(root), _v21(root, max_version)]})

    return versions


def multiple_choices_endpoint() -> Any:
    """Any other path on the root: 300 with the same path under each version."""

    async def choices(request: Request) -> Response:
        root = service_root(request)
        path = request.path_params.get("path", "")
        body = {
            "choices": [
                {
                    "id": "v2.0",
                    "status": "DEPRECATED",
                    "links": [{"href": f"{root}/v2/{path}", "rel": "self"}],
                    "media-types": [
                        {
                            "base": "application/json",
                            "type": "application/vnd.openstack.compute+json;version=2",
                        }
                    ],
                },
                {
                    "id": "v2.1",
                    "status": "CURRENT",
                    "links": [{"href": f"{root}/v2.1/{path}", "rel": "self"}],
                    "media-types": _MEDIA_TYPES,
                },
            ]
        }
        return JSONResponse(body, status_code=300)

    return choices


async def redirect_v21(request: Request) -> Response:
    """``GET /v2.1`` -> 302 to ``/v2.1/``."""
    return RedirectResponse(f"{service_root(request)}/v2.1/", status_code=302)


async def show(call: Call) -> Response:
    """``GET /v2.1/``: the v2.1 version document with its media types."""
    root = service_root(call.request)
    version = _v21(root, call.deps.max_version)
    version["links"].append(
        {"href": "http://docs.openstack.org/", "rel": "describedby", "type": "text/html"}
    )
    version["media-types"] = _MEDIA_TYPES
    return json_response({"version": version})

"""``GET /``: the version document (no authentication)."""

from __future__ import annotations

from starlette.responses import Response

from novalite.builtin.placement.options import PLACEMENT_VERSIONS
from novalite.builtin.placement.util import PlacementRequest, json_response


async def home(req: PlacementRequest) -> Response:
    """The single API version with its microversion range."""
    body = {
        "versions": [
            {
                "id": "v1.0",
                "min_version": str(PLACEMENT_VERSIONS.min_version),
                "max_version": str(PLACEMENT_VERSIONS.max_version),
                "status": "CURRENT",
                "links": [{"rel": "self", "href": ""}],
            }
        ]
    }
    return json_response(req, body)

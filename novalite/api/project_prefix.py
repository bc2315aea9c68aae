"""The optional ``/{project_id}`` after ``/v2.1`` (legacy URLs, optional since 2.18).

``/v2.1/<project>/flavors`` is served as ``/v2.1/flavors`` when ``<project>`` is the caller's
project (400 "Malformed request URL" otherwise); links in the response keep the project id,
as nova's do.
"""

from __future__ import annotations

from collections.abc import Collection

from starlette.types import ASGIApp, Receive, Scope, Send

from novalite.api_common.faults import fault_response
from novalite.context import RequestContext

#: Key in ``scope["state"]`` of the project id the URL carried, if any.
URL_PROJECT_KEY = "compute_url_project_id"


class ProjectPrefixMiddleware:
    """Strip a leading project id from the path (below the versioned mount point)."""

    def __init__(self, app: ASGIApp, collections: Collection[str]) -> None:
        self.app = app
        self.collections = frozenset(collections)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        root: str = scope.get("root_path", "")
        path: str = scope["path"]
        relative = path[len(root) :] if path.startswith(root) else path
        first, slash, _ = relative.lstrip("/").partition("/")
        if not slash or not first or first in self.collections:
            await self.app(scope, receive, send)
            return
        context = scope.get("state", {}).get("context")
        if not isinstance(context, RequestContext) or context.project_id != first:
            response = fault_response(400, "Malformed request URL")
            await response(scope, receive, send)
            return
        scope = dict(scope, root_path=f"{root}/{first}")
        scope.setdefault("state", {})[URL_PROJECT_KEY] = first
        await self.app(scope, receive, send)

"""What every placement handler uses: the request bundle, JSON in and out, common checks."""

from __future__ import annotations

import dataclasses
import datetime
import email.utils
import json
import uuid as uuidlib
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from novalite.api_common import validation
from novalite.api_common.microversion import Version
from novalite.builtin.placement.errors import BadRequest, NotAcceptable
from novalite.builtin.placement.options import PlacementOptions
from novalite.context import RequestContext
from novalite.db.engine import Database

JSON_MEDIA_TYPE = "application/json"


@dataclasses.dataclass
class PlacementRequest:
    """One request as handlers see it: HTTP request, microversion, database, options."""

    http: Request
    version: Version
    db: Database
    options: PlacementOptions

    def param(self, name: str) -> str:
        """A path parameter."""
        return str(self.http.path_params[name])

    @property
    def prefix(self) -> str:
        """The path placement is mounted under (``/placement`` in the all-in-one), for links."""
        return str(self.http.scope.get("root_path", "")).rstrip("/")

    def location(self, path: str) -> dict[str, str]:
        """A ``Location`` header for ``path`` (below the mount point), as an absolute URL.

        Upstream's WebOb makes Location absolute; clients such as osc-placement
        GET it through their session, which would double a relative mount prefix.
        """
        url = self.http.url.replace(path=f"{self.prefix}{path}", query="", fragment="")
        return {"Location": str(url)}

    @property
    def context(self) -> RequestContext | None:
        """The caller's context set by the auth middleware (None without one)."""
        state = self.http.scope.get("state") or {}
        context = state.get("context")
        return context if isinstance(context, RequestContext) else None

    async def json(self, schema: Mapping[str, Any] | None = None) -> Any:
        """The JSON body, validated against ``schema`` when given."""
        body = await validation.read_json(self.http, max_size=self.options.max_request_body_size)
        if schema is not None:
            validation.validate(body, schema)
        return body

    def query(
        self, schema: Mapping[str, Any] | None, repeatable: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """The query string as a dict, validated against ``schema`` when given."""
        params = validation.query_params(self.http, repeatable=repeatable)
        if schema is not None:
            validation.validate(params, schema, what="query")
        return params


def check_accept(request: Request) -> None:
    """406 unless the client accepts JSON."""
    accept = request.headers.get("accept")
    if not accept:
        return
    for item in accept.split(","):
        media = item.split(";", 1)[0].strip().lower()
        if media in ("*/*", "application/*", JSON_MEDIA_TYPE, ""):
            return
    raise NotAcceptable("Only application/json is provided")


def _http_date(when: datetime.datetime) -> str:
    return email.utils.format_datetime(when.astimezone(datetime.UTC), usegmt=True)


def json_response(
    req: PlacementRequest,
    body: Any,
    *,
    status: int = 200,
    last_modified: datetime.datetime | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A JSON response; from 1.15 with ``Last-Modified`` (default now) and ``Cache-Control``."""
    response = Response(
        json.dumps(body),
        status_code=status,
        media_type=JSON_MEDIA_TYPE,
        headers=dict(headers or {}),
    )
    if req.version >= (1, 15):
        add_cache_headers(response, last_modified)
    return response


def add_cache_headers(response: Response, last_modified: datetime.datetime | None) -> None:
    """``Last-Modified`` and ``Cache-Control: no-cache`` (microversion 1.15)."""
    when = last_modified or datetime.datetime.now(datetime.UTC)
    response.headers["Last-Modified"] = _http_date(when)
    response.headers["Cache-Control"] = "no-cache"


def empty_response(status: int = 204, headers: Mapping[str, str] | None = None) -> Response:
    """A response without a body."""
    return Response(status_code=status, headers=dict(headers or {}))


def latest(*stamps: datetime.datetime | None) -> datetime.datetime | None:
    """The most recent of some timestamps (None if none)."""
    present = [stamp for stamp in stamps if stamp is not None]
    return max(present) if present else None


def normalize_uuid(value: str, what: str = "uuid") -> str:
    """The dashed lower-case form of a uuid; 400 if it is not one."""
    try:
        return str(uuidlib.UUID(value))
    except (ValueError, AttributeError, TypeError):
        raise BadRequest(f"Malformed {what}: {value}") from None


def is_uuid(value: str) -> bool:
    """Whether ``value`` is a uuid."""
    try:
        uuidlib.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return True

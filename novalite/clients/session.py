"""An authenticated HTTP session for one service (keystoneauth's Session + Adapter, async).

A :class:`ServiceSession` finds its service's endpoint in the catalog (or takes
``endpoint_override``), sends the token of a :class:`TokenProvider` and authenticates again
once when the service answers 401, forwards the global request id of the caller's context,
sets microversion headers, and turns transport failures and 5xx answers into
:class:`~novalite.errors.ClientError` subclasses with one-line messages (never a token).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import httpx

from novalite.clients.catalog import DEFAULT_INTERFACES, Catalog
from novalite.context import RequestContext
from novalite.errors import AuthenticationFailed, ServiceHTTPError, ServiceUnreachable

LOG = logging.getLogger(__name__)

USER_AGENT = "novalite"
REQUEST_ID_HEADER = "X-OpenStack-Request-ID"

#: Query parameters: a mapping, or pairs for repeated keys.
QueryParams = Mapping[str, str | int] | Sequence[tuple[str, str | int]]


class TokenProvider(Protocol):
    """Where a session gets its token and catalog from (see :mod:`novalite.clients.identity`)."""

    async def get_token(self) -> str:
        """A valid token, authenticating if needed."""
        ...

    async def get_catalog(self) -> Catalog:
        """The catalog of the current token."""
        ...

    def invalidate(self, token: str) -> None:
        """Forget ``token`` (a service refused it): the next ``get_token`` authenticates anew."""
        ...


@dataclasses.dataclass(frozen=True)
class EndpointFilter:
    """How to find a service's endpoint (keystoneauth adapter options)."""

    service_type: str
    interfaces: tuple[str, ...] = DEFAULT_INTERFACES
    region_name: str | None = None
    service_name: str | None = None
    endpoint_override: str | None = None


def microversion_header(service_type: str, version: str) -> dict[str, str]:
    """``{"OpenStack-API-Version": "<service_type> <version>"}``."""
    return {"OpenStack-API-Version": f"{service_type} {version}"}


def one_line(text: str, limit: int = 200) -> str:
    """Collapse white space and cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def error_detail(response: httpx.Response) -> str:
    """The human message of an OpenStack error body (placement, nova, keystone), one line."""
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return one_line(response.text) or response.reason_phrase
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return one_line(str(errors[0].get("detail") or errors[0].get("title") or ""))
        for value in body.values():
            if isinstance(value, dict) and "message" in value:
                return one_line(str(value["message"]))
    return one_line(response.text)


def error_code(response: httpx.Response) -> str | None:
    """The API-SIG error ``code`` of the first error (placement >= 1.23), if any."""
    try:
        body = response.json()
    except (ValueError, json.JSONDecodeError):
        return None
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            code = errors[0].get("code")
            return code if isinstance(code, str) else None
    return None


class ServiceSession:
    """Requests to one service with authentication, request ids and typed errors.

    ``request`` returns every response below 500 except a second 401 (the caller decides
    what a 404 or 409 means); it raises :class:`~novalite.errors.ServiceUnreachable` when the
    service cannot be reached and :class:`~novalite.errors.ServiceHTTPError` for 5xx.
    ``connect_retries`` retries requests that could not connect (nothing was sent), with
    exponential back-off from ``retry_delay`` seconds.
    """

    def __init__(
        self,
        auth: TokenProvider,
        endpoint: EndpointFilter,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float | None = 30.0,
        connect_retries: int = 0,
        retry_delay: float = 0.5,
    ) -> None:
        self.auth = auth
        self.connect_retries = connect_retries
        self.retry_delay = retry_delay
        self.endpoint_filter = endpoint
        self.service_type = endpoint.service_type
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout
        self._endpoint: str | None = None

    async def aclose(self) -> None:
        """Close the HTTP client if the session created it."""
        if self._own_client:
            await self._client.aclose()

    async def endpoint(self) -> str:
        """The service's base URL (no trailing slash), from the override or the catalog."""
        if self._endpoint is None:
            f = self.endpoint_filter
            if f.endpoint_override:
                url = f.endpoint_override
            else:
                catalog = await self.auth.get_catalog()
                url = catalog.endpoint_for(
                    f.service_type, f.interfaces, f.region_name, f.service_name
                )
            self._endpoint = url.rstrip("/")
        return self._endpoint

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: QueryParams | None = None,
        headers: Mapping[str, str] | None = None,
        microversion: str | None = None,
        context: RequestContext | None = None,
    ) -> httpx.Response:
        """Send one request to ``<endpoint><path>``; see the class docstring for errors."""
        url = await self.endpoint() + path
        if params:
            pairs = params.items() if isinstance(params, Mapping) else params
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(list(pairs))
        sent: dict[str, str] = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if microversion is not None:
            sent.update(microversion_header(self.service_type, microversion))
        if context is not None:
            sent[REQUEST_ID_HEADER] = context.global_request_id or context.request_id
        if headers:
            sent.update(headers)
        token = await self.auth.get_token()
        response = await self._send(method, url, token, headers=sent, body=json)
        if response.status_code == 401:
            LOG.info(
                "%s refused our token on %s %s; authenticating again",
                self.service_type,
                method,
                path,
            )
            self.auth.invalidate(token)
            token = await self.auth.get_token()
            response = await self._send(method, url, token, headers=sent, body=json)
            if response.status_code == 401:
                raise AuthenticationFailed(
                    auth_url=self.service_type, reason=f"{method} {path} refused a fresh token"
                )
        if response.status_code >= 500:
            raise ServiceHTTPError(
                service=self.service_type,
                method=method,
                path=path,
                status=response.status_code,
                detail=error_detail(response),
            )
        return response

    async def _send(
        self,
        method: str,
        url: str,
        token: str,
        *,
        headers: dict[str, str],
        body: Any,
    ) -> httpx.Response:
        attempt = 0
        while True:
            try:
                return await self._client.request(
                    method, url, json=body, headers={**headers, "X-Auth-Token": token}
                )
            except httpx.ConnectError as exc:
                # Nothing was sent: safe to retry whatever the method.
                if attempt >= self.connect_retries:
                    raise self._unreachable(url, exc) from None
                delay = min(self.retry_delay * 2**attempt, 10.0)
                attempt += 1
                LOG.warning(
                    "Cannot connect to %s (%s); retry %d in %.1fs",
                    self.service_type,
                    one_line(str(exc)),
                    attempt,
                    delay,
                )
                await asyncio.sleep(delay)
            except httpx.TransportError as exc:
                raise self._unreachable(url, exc) from None

    def _unreachable(self, url: str, exc: Exception) -> ServiceUnreachable:
        return ServiceUnreachable(
            service=self.service_type, url=url, reason=one_line(str(exc) or type(exc).__name__)
        )

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        """``request("GET", ...)``."""
        return await self.request("GET", path, **kw)

    async def put(self, path: str, **kw: Any) -> httpx.Response:
        """``request("PUT", ...)``."""
        return await self.request("PUT", path, **kw)

    async def post(self, path: str, **kw: Any) -> httpx.Response:
        """``request("POST", ...)``."""
        return await self.request("POST", path, **kw)

    async def delete(self, path: str, **kw: Any) -> httpx.Response:
        """``request("DELETE", ...)``."""
        return await self.request("DELETE", path, **kw)

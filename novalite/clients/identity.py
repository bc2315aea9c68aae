"""The identity client: a service's own token (:class:`PasswordAuth`) and token validation.

:class:`PasswordAuth` authenticates like keystoneauth's generic ``password`` plugin: it
first GETs ``auth_url`` for the version document and takes the v3 ``self`` link (falling back
to ``<auth_url>/v3`` when discovery fails), then POSTs ``<v3>/auth/tokens`` with the user
and project given by name (+ domain) or id. The token is cached and renewed ``renew_before``
seconds before it expires; concurrent callers share one renewal.

:class:`IdentityClient` validates other callers' tokens with the service's own token
(``GET /v3/auth/tokens`` + ``X-Subject-Token``): it is the HTTP
:class:`~novalite.api_common.tokens.TokenValidator` of :class:`AuthMiddleware`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import logging
from typing import Any

import httpx

from novalite.api_common.tokens import TokenInfo
from novalite.clients.catalog import Catalog
from novalite.clients.session import USER_AGENT, error_detail, one_line
from novalite.errors import AuthenticationFailed, InvalidToken, ServiceHTTPError, ServiceUnreachable

LOG = logging.getLogger(__name__)

__all__ = ["Catalog", "IdentityClient", "PasswordAuth", "PasswordCredentials", "StaticToken"]


@dataclasses.dataclass(frozen=True)
class PasswordCredentials:
    """keystoneauth ``password`` options; a name needs its domain (``Default`` if none)."""

    auth_url: str
    username: str | None = None
    password: str = dataclasses.field(default="", repr=False)
    user_id: str | None = None
    user_domain_name: str | None = "Default"
    user_domain_id: str | None = None
    project_name: str | None = None
    project_id: str | None = None
    project_domain_name: str | None = "Default"
    project_domain_id: str | None = None
    system_scope: str | None = None

    def auth_body(self) -> dict[str, Any]:
        """The body of ``POST /v3/auth/tokens``."""
        user: dict[str, Any] = {"password": self.password}
        if self.user_id:
            user["id"] = self.user_id
        else:
            user["name"] = self.username
            user["domain"] = _domain(self.user_domain_id, self.user_domain_name)
        auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": user}}}
        if self.project_id:
            auth["scope"] = {"project": {"id": self.project_id}}
        elif self.project_name:
            domain = _domain(self.project_domain_id, self.project_domain_name)
            auth["scope"] = {"project": {"name": self.project_name, "domain": domain}}
        elif self.system_scope:
            auth["scope"] = {"system": {self.system_scope: True}}
        return {"auth": auth}


def _domain(domain_id: str | None, name: str | None) -> dict[str, str]:
    return {"id": domain_id} if domain_id else {"name": name or "Default"}


def _v3_from_discovery(body: Any) -> str | None:
    """The v3 ``self`` href of a keystone version document (``/`` or ``/v3``), if any."""
    if not isinstance(body, dict):
        return None
    versions = body.get("versions")
    if isinstance(versions, dict):
        entries = versions.get("values") or []
    elif isinstance(versions, list):
        entries = versions
    else:
        entries = [body.get("version")] if isinstance(body.get("version"), dict) else []
    for entry in entries:
        if not isinstance(entry, dict) or not str(entry.get("id", "")).startswith("v3"):
            continue
        for link in entry.get("links") or ():
            if isinstance(link, dict) and link.get("rel") == "self" and link.get("href"):
                return str(link["href"]).rstrip("/")
    return None


def _guess_v3(auth_url: str) -> str:
    url = auth_url.rstrip("/")
    return url if url.endswith("/v3") else url + "/v3"


class PasswordAuth:
    """A service's own keystone token, renewed before it expires (a ``TokenProvider``)."""

    def __init__(
        self,
        credentials: PasswordCredentials,
        *,
        client: httpx.AsyncClient | None = None,
        timeout: float | None = 30.0,
        renew_before: float = 120.0,
    ) -> None:
        self.credentials = credentials
        self._own_client = client is None
        self._client = client or httpx.AsyncClient(timeout=timeout)
        self._renew_before = datetime.timedelta(seconds=renew_before)
        self._lock = asyncio.Lock()
        self._v3_url: str | None = None
        self._token: str | None = None
        self._info: TokenInfo | None = None

    async def aclose(self) -> None:
        """Close the HTTP client if this object created it."""
        if self._own_client:
            await self._client.aclose()

    @property
    def client(self) -> httpx.AsyncClient:
        """The HTTP client (shared with :class:`IdentityClient`)."""
        return self._client

    def _fresh(self) -> bool:
        if self._token is None or self._info is None:
            return False
        now = datetime.datetime.now(datetime.UTC)
        margin = self._renew_before
        if self._info.issued_at is not None:
            # A token that lives shorter than the margin is used for half its life.
            margin = min(margin, (self._info.expires_at - self._info.issued_at) / 2)
        return now + margin < self._info.expires_at

    async def get_token(self) -> str:
        """The current token, authenticating first when there is none or it nears expiry."""
        if self._fresh():
            assert self._token is not None
            return self._token
        seen = self._token
        async with self._lock:
            # Someone renewed while we waited for the lock: use their token.
            if not self._fresh() and (self._token is None or self._token == seen):
                await self._authenticate()
            assert self._token is not None
            return self._token

    async def get_info(self) -> TokenInfo:
        """The current token's data (user, project, roles, catalog)."""
        await self.get_token()
        assert self._info is not None
        return self._info

    async def get_catalog(self) -> Catalog:
        """The current token's service catalog."""
        return Catalog((await self.get_info()).catalog)

    def invalidate(self, token: str) -> None:
        """Drop ``token`` if it is the current one."""
        if token == self._token:
            self._token = None
            self._info = None

    async def v3_url(self) -> str:
        """The identity v3 base URL, discovered from ``auth_url`` once."""
        if self._v3_url is None:
            self._v3_url = await self._discover()
        return self._v3_url

    async def _discover(self) -> str:
        url = self.credentials.auth_url
        try:
            response = await self._client.get(
                url, headers={"Accept": "application/json", "User-Agent": USER_AGENT}
            )
            found = (
                _v3_from_discovery(response.json()) if response.status_code in (200, 300) else None
            )
        except (httpx.TransportError, ValueError) as exc:
            LOG.warning("Identity discovery at %s failed (%s); guessing the v3 URL", url, exc)
            found = None
        return found or _guess_v3(url)

    async def _authenticate(self) -> None:
        v3 = await self.v3_url()
        url = f"{v3}/auth/tokens"
        try:
            response = await self._client.post(
                url,
                json=self.credentials.auth_body(),
                headers={"Accept": "application/json", "User-Agent": USER_AGENT},
            )
        except httpx.TransportError as exc:
            raise ServiceUnreachable(
                service="identity", url=url, reason=one_line(str(exc) or type(exc).__name__)
            ) from None
        if response.status_code != 201 or "x-subject-token" not in response.headers:
            raise AuthenticationFailed(
                auth_url=self.credentials.auth_url,
                reason=f"{response.status_code} {error_detail(response)}",
            )
        try:
            info = TokenInfo.from_body(response.json())
        except (InvalidToken, ValueError) as exc:
            raise AuthenticationFailed(
                auth_url=self.credentials.auth_url, reason="malformed token body"
            ) from exc
        self._token = response.headers["x-subject-token"]
        self._info = info
        LOG.debug("Authenticated as %s; token expires at %s", info.user_id, info.expires_at)


class StaticToken:
    """A ``TokenProvider`` for a token someone else holds (a caller's, from its context)."""

    def __init__(self, token: str, catalog: Catalog | None = None) -> None:
        self._token: str | None = token
        self._catalog = catalog or Catalog()

    async def get_token(self) -> str:
        """The token; :class:`AuthenticationFailed` once a service refused it."""
        if self._token is None:
            raise AuthenticationFailed(auth_url="(caller's token)", reason="the token was refused")
        return self._token

    async def get_catalog(self) -> Catalog:
        """The catalog given at construction."""
        return self._catalog

    def invalidate(self, token: str) -> None:
        """A static token cannot be renewed: further requests fail."""
        if token == self._token:
            self._token = None


class IdentityClient:
    """Validates tokens at keystone with the service's own token (keystonemiddleware's job)."""

    def __init__(self, auth: PasswordAuth, *, include_catalog: bool = True) -> None:
        self.auth = auth
        self.include_catalog = include_catalog

    async def validate_token(self, subject_token: str, *, allow_expired: bool = False) -> TokenInfo:
        """``GET /v3/auth/tokens``: the subject token's data, or :class:`InvalidToken`."""
        url = f"{await self.auth.v3_url()}/auth/tokens"
        params: dict[str, str] = {}
        if not self.include_catalog:
            params["nocatalog"] = "1"
        if allow_expired:
            params["allow_expired"] = "1"
        for attempt in (1, 2):
            token = await self.auth.get_token()
            headers = {
                "X-Auth-Token": token,
                "X-Subject-Token": subject_token,
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            }
            try:
                response = await self.auth.client.get(url, headers=headers, params=params)
            except httpx.TransportError as exc:
                raise ServiceUnreachable(
                    service="identity", url=url, reason=one_line(str(exc) or type(exc).__name__)
                ) from None
            if response.status_code == 401 and attempt == 1:
                self.auth.invalidate(token)
                continue
            break
        if response.status_code == 200:
            return TokenInfo.from_body(response.json())
        if response.status_code in (404, 400):
            raise InvalidToken()
        if response.status_code in (401, 403):
            raise AuthenticationFailed(
                auth_url=self.auth.credentials.auth_url,
                reason=f"cannot validate tokens: {response.status_code} {error_detail(response)}",
            )
        raise ServiceHTTPError(
            service="identity",
            method="GET",
            path="/v3/auth/tokens",
            status=response.status_code,
            detail=error_detail(response),
        )

    async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
        """:class:`~novalite.api_common.tokens.TokenValidator` interface."""
        return await self.validate_token(token, allow_expired=allow_expired)

"""PasswordAuth, IdentityClient and Catalog against an in-memory keystone."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import json

import httpx
import pytest

from novalite.api_common.tokens import TokenInfo
from novalite.clients.catalog import Catalog
from novalite.clients.identity import (
    IdentityClient,
    PasswordAuth,
    PasswordCredentials,
    StaticToken,
)
from novalite.errors import AuthenticationFailed, EndpointNotFound, InvalidToken, ServiceUnreachable
from tests.unit.clients.fakes import AUTH_URL, CATALOG, PLACEMENT_URL, V3, FakeKeystone

CREDS = PasswordCredentials(
    auth_url=AUTH_URL, username="nova", password="secret", project_name="service"
)


def make(keystone: FakeKeystone, **kw: float) -> PasswordAuth:
    http = httpx.AsyncClient(transport=httpx.MockTransport(keystone))
    return PasswordAuth(CREDS, client=http, **kw)


def test_catalog_selection() -> None:
    catalog = Catalog(CATALOG)
    assert catalog.endpoint_for("placement") == PLACEMENT_URL
    assert catalog.endpoint_for("placement", ["public"]) == "http://public/placement"
    assert catalog.endpoint_for("placement", "publicURL,internal") == "http://public/placement"
    assert catalog.endpoint_for("placement", ["internal"], "RegionTwo") == "http://two/placement"
    assert catalog.endpoint_for("identity", ["internal", "public"], "RegionOne") == AUTH_URL
    with pytest.raises(EndpointNotFound, match="image"):
        catalog.endpoint_for("image")
    with pytest.raises(EndpointNotFound):
        catalog.endpoint_for("placement", ["admin"])
    with pytest.raises(EndpointNotFound):
        catalog.endpoint_for("placement", service_name="other")


def test_auth_body_forms() -> None:
    body = CREDS.auth_body()["auth"]
    assert body["identity"]["password"]["user"] == {
        "password": "secret",
        "name": "nova",
        "domain": {"name": "Default"},
    }
    assert body["scope"] == {"project": {"name": "service", "domain": {"name": "Default"}}}
    by_id = PasswordCredentials(AUTH_URL, user_id="u", password="p", project_id="p1")
    assert by_id.auth_body()["auth"]["scope"] == {"project": {"id": "p1"}}
    assert "secret" not in repr(CREDS)


async def test_discovery_then_token() -> None:
    keystone = FakeKeystone()
    auth = make(keystone)
    token = await auth.get_token()
    assert token == "tok-1"
    assert [r.method + " " + r.url.path for r in keystone.requests] == [
        "GET /identity",
        "POST /identity/v3/auth/tokens",
    ]
    assert await auth.get_token() == "tok-1"
    assert len(keystone.requests) == 2
    assert (await auth.get_catalog()).endpoint_for("placement") == PLACEMENT_URL
    assert await auth.v3_url() == V3


async def test_discovery_failure_falls_back_to_v3_guess() -> None:
    keystone = FakeKeystone()
    keystone.discovery_fails = True
    auth = make(keystone)
    assert await auth.get_token() == "tok-1"
    assert keystone.requests[-1].url.path == "/identity/v3/auth/tokens"


async def test_renewal_before_expiry_and_single_flight() -> None:
    keystone = FakeKeystone()
    keystone.lifetime = 100
    auth = make(keystone, renew_before=120)
    tokens = await asyncio.gather(*(auth.get_token() for _ in range(5)))
    assert tokens == ["tok-1"] * 5  # one authentication for concurrent callers
    # The lifetime is shorter than renew_before: the token is used for half its life.
    assert await auth.get_token() == "tok-1"
    assert auth._info is not None
    auth._info = dataclasses.replace(
        auth._info,
        expires_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(seconds=10),
        issued_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=90),
    )
    renewed = await asyncio.gather(*(auth.get_token() for _ in range(5)))
    assert renewed == ["tok-2"] * 5


async def test_invalidate_forces_new_token() -> None:
    keystone = FakeKeystone()
    auth = make(keystone)
    first = await auth.get_token()
    auth.invalidate("other")
    assert await auth.get_token() == first
    auth.invalidate(first)
    assert await auth.get_token() != first


async def test_bad_password() -> None:
    keystone = FakeKeystone()
    keystone.password = "other"
    auth = make(keystone)
    with pytest.raises(AuthenticationFailed) as info:
        await auth.get_token()
    assert "secret" not in str(info.value)
    assert "401" in str(info.value)


async def test_identity_unreachable() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("Connection refused")

    auth = PasswordAuth(CREDS, client=httpx.AsyncClient(transport=httpx.MockTransport(refuse)))
    with pytest.raises(ServiceUnreachable) as info:
        await auth.get_token()
    assert "\n" not in str(info.value)


async def test_validate_token() -> None:
    keystone = FakeKeystone()
    auth = make(keystone)
    identity = IdentityClient(auth)
    other = PasswordAuth(CREDS, client=auth.client)
    subject = await other.get_token()
    info = await identity.validate(subject)
    assert info.user_id == "id-someone"
    assert info.has_role("admin")
    keystone.revoked.add(subject)
    with pytest.raises(InvalidToken):
        await identity.validate_token(subject)
    request = keystone.requests[-1]
    assert request.headers["x-subject-token"] == subject
    assert request.headers["x-auth-token"] != subject


async def test_validate_reauthenticates_once_when_own_token_revoked() -> None:
    keystone = FakeKeystone()
    auth = make(keystone)
    identity = IdentityClient(auth, include_catalog=False)
    subject = await PasswordAuth(CREDS, client=auth.client).get_token()
    own = await auth.get_token()
    keystone.revoked.add(own)
    info = await identity.validate_token(subject, allow_expired=True)
    assert info.user_id == "id-someone"
    assert await auth.get_token() != own
    query = keystone.requests[-1].url.params
    assert query["nocatalog"] == "1"
    assert query["allow_expired"] == "1"


async def test_static_token() -> None:
    static = StaticToken("abc", Catalog(CATALOG))
    assert await static.get_token() == "abc"
    static.invalidate("abc")
    with pytest.raises(AuthenticationFailed):
        await static.get_token()


def test_sample_keystone_bodies_parse() -> None:
    keystone = FakeKeystone()
    body = keystone.body("x", datetime.datetime.now(datetime.UTC))
    assert TokenInfo.from_body(json.loads(json.dumps(body))).project_id == "p-service"

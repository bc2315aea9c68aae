"""TokenInfo parsing and the bounded validation cache."""

from __future__ import annotations

import asyncio
import datetime
import json
from pathlib import Path

import pytest

from novalite.api_common.token_cache import CachingTokenValidator
from novalite.api_common.tokens import TokenInfo, parse_time
from novalite.errors import InvalidToken, ServiceUnreachable

SAMPLE = Path(
    "/work/shared/reference/identity-api/samples/auth/responses/project-scoped-password.json"
)


def info(token: str, minutes: float = 60) -> TokenInfo:
    expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=minutes)
    return TokenInfo(user_id=f"u-{token}", expires_at=expires, roles=("member",))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Inner:
    def __init__(self) -> None:
        self.calls = 0
        self.revoked: set[str] = set()
        self.down = False
        self.minutes = 60.0
        self.delay = 0.0

    async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
        self.calls += 1
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.down:
            raise ServiceUnreachable(service="identity", url="x", reason="down")
        if token in self.revoked or token == "bad":
            raise InvalidToken()
        return info(token, self.minutes)


def test_parse_time() -> None:
    assert parse_time("2015-11-07T02:58:43.578887Z") == datetime.datetime(
        2015, 11, 7, 2, 58, 43, 578887, tzinfo=datetime.UTC
    )
    assert parse_time("2015-11-07T02:58:43Z").tzinfo is datetime.UTC
    assert parse_time("2015-11-07T03:58:43+01:00").hour == 2


@pytest.mark.skipif(not SAMPLE.exists(), reason="keystone samples not present")
def test_token_info_from_keystone_sample() -> None:
    token = TokenInfo.from_body(json.loads(SAMPLE.read_text()))
    assert token.user_id
    assert token.project_id
    assert token.roles
    assert token.catalog
    assert token.expires_at.tzinfo is datetime.UTC


def test_token_info_scopes() -> None:
    base = {"user": {"id": "u", "domain": {"id": "default"}}, "expires_at": "2030-01-01T00:00:00Z"}
    system = TokenInfo.from_body({"token": {**base, "system": {"all": True}}})
    domain = TokenInfo.from_body({"token": {**base, "domain": {"id": "d", "name": "D"}}})
    assert system.system_scope == "all"
    assert domain.domain_id == "d"
    assert system.user_domain_id == "default"
    with pytest.raises(InvalidToken):
        TokenInfo.from_body({"token": {"user": {}}})


async def test_cache_hits_within_recheck_interval() -> None:
    inner, clock = Inner(), Clock()
    cache = CachingTokenValidator(inner, recheck_interval=10, clock=clock)
    await cache.validate("t")
    await cache.validate("t")
    assert inner.calls == 1
    clock.now += 11
    await cache.validate("t")
    assert inner.calls == 2


async def test_revocation_is_seen_after_recheck_interval() -> None:
    inner, clock = Inner(), Clock()
    cache = CachingTokenValidator(inner, recheck_interval=10, clock=clock)
    await cache.validate("t")
    inner.revoked.add("t")
    await cache.validate("t")  # still cached
    clock.now += 10
    with pytest.raises(InvalidToken):
        await cache.validate("t")


async def test_invalid_tokens_are_remembered_briefly() -> None:
    inner, clock = Inner(), Clock()
    cache = CachingTokenValidator(inner, recheck_interval=10, clock=clock)
    for _ in range(3):
        with pytest.raises(InvalidToken):
            await cache.validate("bad")
    assert inner.calls == 1


async def test_stale_result_served_while_identity_is_down_until_ttl() -> None:
    inner, clock = Inner(), Clock()
    cache = CachingTokenValidator(inner, cache_time=60, recheck_interval=10, clock=clock)
    await cache.validate("t")
    inner.down = True
    clock.now += 30
    assert (await cache.validate("t")).user_id == "u-t"
    clock.now += 31
    with pytest.raises(ServiceUnreachable):
        await cache.validate("t")


async def test_ttl_bounded_by_token_expiry() -> None:
    inner, clock = Inner(), Clock()
    inner.minutes = 0.25  # expires in 15 s
    cache = CachingTokenValidator(inner, cache_time=300, recheck_interval=10, clock=clock)
    await cache.validate("t")
    inner.down = True
    clock.now += 20
    with pytest.raises(ServiceUnreachable):
        await cache.validate("t")


async def test_lru_bound() -> None:
    inner = Inner()
    cache = CachingTokenValidator(inner, max_size=2)
    for token in ("a", "b", "c"):
        await cache.validate(token)
    assert len(cache) == 2
    await cache.validate("b")
    await cache.validate("c")
    assert inner.calls == 3
    await cache.validate("a")
    assert inner.calls == 4


async def test_disabled_and_allow_expired_bypass() -> None:
    inner = Inner()
    off = CachingTokenValidator(inner, cache_time=-1)
    await off.validate("t")
    await off.validate("t")
    assert inner.calls == 2
    on = CachingTokenValidator(inner)
    await on.validate("t", allow_expired=True)
    await on.validate("t", allow_expired=True)
    assert inner.calls == 4


async def test_concurrent_validations_share_one_request() -> None:
    inner = Inner()
    inner.delay = 0.01
    cache = CachingTokenValidator(inner)
    results = await asyncio.gather(*(cache.validate("t") for _ in range(5)))
    assert inner.calls == 1
    assert {r.user_id for r in results} == {"u-t"}


async def test_invalidate() -> None:
    inner = Inner()
    cache = CachingTokenValidator(inner)
    await cache.validate("t")
    cache.invalidate("t")
    await cache.validate("t")
    assert inner.calls == 2

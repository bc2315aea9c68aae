"""A bounded cache of token validations in front of a :class:`TokenValidator`.

Bounds (all per process):

* at most ``max_size`` tokens (least recently used evicted first); tokens are kept by their
  SHA-256, never in clear;
* a valid result is served without asking identity for ``recheck_interval`` seconds
  (default 10): so a revoked token stops working at most that long after its revocation;
* after that it is validated again; if identity cannot be reached then, the cached result is
  still served until ``cache_time`` (keystonemiddleware's ``token_cache_time``, default 300 s)
  or the token's own expiry, whichever comes first;
* a token identity rejected is remembered as rejected for ``recheck_interval`` seconds, so a
  client retrying a bad token does not hammer identity;
* concurrent validations of the same token share one request to identity;
* ``allow_expired`` validations are never cached.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import datetime
import hashlib
import logging
import time
from collections.abc import Callable

from novalite.api_common.tokens import TokenInfo, TokenValidator
from novalite.errors import ClientError, InvalidToken

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class _Entry:
    info: TokenInfo | None  # None: identity rejected the token
    checked_at: float
    keep_until: float


class CachingTokenValidator:
    """A :class:`TokenValidator` that caches another one's answers within the bounds above."""

    def __init__(
        self,
        inner: TokenValidator,
        *,
        max_size: int = 4096,
        cache_time: float = 300.0,
        recheck_interval: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._max_size = max_size
        self._cache_time = cache_time
        self._recheck = min(recheck_interval, cache_time) if cache_time > 0 else 0.0
        self._clock = clock
        self._entries: collections.OrderedDict[str, _Entry] = collections.OrderedDict()
        self._inflight: dict[str, asyncio.Future[TokenInfo]] = {}

    @property
    def enabled(self) -> bool:
        """False when ``cache_time`` <= 0: every request is validated at identity."""
        return self._cache_time > 0 and self._max_size > 0

    def __len__(self) -> int:
        return len(self._entries)

    def invalidate(self, token: str) -> None:
        """Forget a token (for example after this process revoked it)."""
        self._entries.pop(_key(token), None)

    async def validate(self, token: str, *, allow_expired: bool = False) -> TokenInfo:
        """Return the token's data from the cache or from the inner validator."""
        if allow_expired or not self.enabled:
            return await self._inner.validate(token, allow_expired=allow_expired)
        key = _key(token)
        now = self._clock()
        entry = self._entries.get(key)
        if entry is not None and now - entry.checked_at < self._recheck:
            self._entries.move_to_end(key)
            if entry.info is None:
                raise InvalidToken()
            if not entry.info.expired():
                return entry.info
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[TokenInfo] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            info = await self._refresh(key, token, entry, now)
        except Exception as exc:
            future.set_exception(exc)
            future.exception()  # mark it retrieved: there may be no waiter
            raise
        except BaseException:
            future.cancel()
            raise
        else:
            future.set_result(info)
            return info
        finally:
            del self._inflight[key]

    async def _refresh(self, key: str, token: str, entry: _Entry | None, now: float) -> TokenInfo:
        try:
            info = await self._inner.validate(token)
        except InvalidToken:
            self._store(key, _Entry(None, now, now + self._recheck))
            raise
        except ClientError as exc:
            stale = entry.info if entry is not None and now < entry.keep_until else None
            if stale is not None and not stale.expired():
                LOG.warning("Cannot revalidate a token (%s); using the cached result", exc)
                return stale
            raise
        self._store(key, _Entry(info, now, now + self._ttl(info)))
        return info

    def _ttl(self, info: TokenInfo) -> float:
        left = (info.expires_at - datetime.datetime.now(datetime.UTC)).total_seconds()
        return max(0.0, min(self._cache_time, left))

    def _store(self, key: str, entry: _Entry) -> None:
        self._entries[key] = entry
        self._entries.move_to_end(key)
        while len(self._entries) > self._max_size:
            self._entries.popitem(last=False)


def _key(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()

"""OpenStack API microversions, for any service (placement, compute, ...).

::

    PLACEMENT = MicroversionSpec("placement", Version(1, 0), Version(1, 39))
    version = PLACEMENT.from_headers(request.headers)     # 400 malformed, 406 out of range
    if version >= (1, 14): ...
    response.headers.update(PLACEMENT.response_headers(version))

A handler declares the versions it exists in with :func:`versioned`; the
service's router asks :func:`version_range` and answers 404 outside it.
:class:`MicroversionMiddleware` parses the header of every request once, keeps
the result in ``scope["state"]["microversion"]`` and adds the
``OpenStack-API-Version``/``Vary`` headers to every response (errors included).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple, TypeVar

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from novalite.errors import MicroversionInvalid, MicroversionUnacceptable

HEADER = "OpenStack-API-Version"
#: Key in ``scope["state"]`` of the request's :class:`Version` (or the parse error).
STATE_KEY = "microversion"
_VERSION_RE = re.compile(r"^(\d+)\.(\d+)$")

F = TypeVar("F", bound=Callable[..., Any])


class Version(NamedTuple):
    """A ``major.minor`` version; compares with tuples (``version >= (1, 14)``)."""

    major: int
    minor: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"

    @classmethod
    def parse(cls, text: str) -> Version:
        """``"1.14"`` -> ``Version(1, 14)``; :class:`MicroversionInvalid` if malformed."""
        match = _VERSION_RE.match(text.strip())
        if match is None:
            raise MicroversionInvalid(version=text)
        return cls(int(match.group(1)), int(match.group(2)))


@dataclasses.dataclass(frozen=True)
class MicroversionSpec:
    """The microversions one service supports and how clients ask for them.

    ``default`` (when no header is sent) is the minimum unless given.
    ``legacy_headers`` are older single-service headers (``X-OpenStack-Nova-API-Version``)
    holding a bare version, consulted when the standard header names no version of
    this service.
    """

    service_type: str
    min_version: Version
    max_version: Version
    default: Version | None = None
    legacy_headers: tuple[str, ...] = ()

    def parse(self, value: str) -> Version:
        """A version string (or ``latest``) checked against the range."""
        value = value.strip()
        if value.lower() == "latest":
            return self.max_version
        version = Version.parse(value)
        if not self.min_version <= version <= self.max_version:
            raise MicroversionUnacceptable(version=value)
        return version

    def requested(self, headers: Mapping[str, str]) -> str | None:
        """The version string the client asked for, or None."""
        lowered = {key.lower(): value for key, value in headers.items()}
        raw = lowered.get(HEADER.lower())
        if raw:
            for item in raw.split(","):
                parts = item.strip().split(None, 1)
                if len(parts) == 2 and parts[0].lower() == self.service_type:
                    return parts[1]
        for legacy in self.legacy_headers:
            if legacy.lower() in lowered:
                return lowered[legacy.lower()]
        return None

    def from_headers(self, headers: Mapping[str, str]) -> Version:
        """The request's version: the requested one, or the default when absent."""
        value = self.requested(headers)
        if value is None:
            return self.default or self.min_version
        return self.parse(value)

    def response_headers(self, version: Version) -> dict[str, str]:
        """``OpenStack-API-Version`` and ``Vary`` for a response at ``version``."""
        headers = {HEADER: f"{self.service_type} {version}", "Vary": HEADER.lower()}
        for legacy in self.legacy_headers:
            headers[legacy] = str(version)
            headers["Vary"] += f", {legacy}"
        return headers


def versioned(
    min_version: tuple[int, int], max_version: tuple[int, int] | None = None
) -> Callable[[F], F]:
    """Declare the versions a handler exists in (decorator)."""

    def decorate(function: F) -> F:
        function.__microversion_range__ = (  # type: ignore[attr-defined]
            Version(*min_version),
            Version(*max_version) if max_version else None,
        )
        return function

    return decorate


def version_range(handler: Callable[..., Any]) -> tuple[Version | None, Version | None]:
    """The ``(min, max)`` declared with :func:`versioned` (``None`` = unbounded)."""
    declared: tuple[Version | None, Version | None] = getattr(
        handler, "__microversion_range__", (None, None)
    )
    return declared


def accepts(handler: Callable[..., Any], version: Version) -> bool:
    """Whether ``handler`` exists at ``version``."""
    low, high = version_range(handler)
    return (low is None or version >= low) and (high is None or version <= high)


def request_version(scope: Scope) -> Version:
    """The version :class:`MicroversionMiddleware` parsed; re-raises its error if invalid."""
    state = scope.get("state") or {}
    value = state.get(STATE_KEY)
    if isinstance(value, Exception):
        raise value
    if not isinstance(value, Version):
        raise RuntimeError("MicroversionMiddleware is not installed")
    return value


class MicroversionMiddleware:
    """Parse the version once per request and stamp the version headers on the response.

    A bad header is not answered here: the error is stored and raised by
    :func:`request_version`, so the service renders it like any other error.
    The response of such a request carries the minimum version.
    """

    def __init__(self, app: ASGIApp, spec: MicroversionSpec) -> None:
        self.app = app
        self.spec = spec

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        version = self.spec.min_version
        try:
            version = self.spec.from_headers(Headers(scope=scope))
            state[STATE_KEY] = version
        except (MicroversionInvalid, MicroversionUnacceptable) as exc:
            state[STATE_KEY] = exc
        extra = self.spec.response_headers(version)

        async def send_with_version(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in extra.items():
                    headers[key] = value
            await send(message)

        await self.app(scope, receive, send_with_version)

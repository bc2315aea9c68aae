"""Endpoint declarations and request routing."""

from __future__ import annotations

from typing import Any

import pytest

from novalite import rpc
from novalite.context import RequestContext
from novalite.errors import Invalid, NoSuchMethod, UnsupportedVersion
from novalite.rpc.dispatcher import Dispatcher
from novalite.rpc.envelope import Request


class V1:
    RPC_API_VERSION = "1.5"

    @rpc.expose
    async def ping(self, ctx: RequestContext, value: Any = None) -> str:
        return f"v1:{value}"


class V2:
    RPC_API_VERSION = "2.1"

    @rpc.expose
    async def ping(self, ctx: RequestContext, value: Any = None) -> str:
        return f"v2:{value}"

    @rpc.expose
    async def only_in_two(self, ctx: RequestContext) -> str:
        return "two"


class Listed:
    RPC_API_VERSION = "1.0"
    RPC_NAMESPACE = "listed"
    RPC_METHODS = ("ping",)

    async def ping(self, ctx: RequestContext) -> str:
        return "listed"

    async def other(self, ctx: RequestContext) -> str:
        return "not listed"


def _request(method: str, version: str, namespace: str | None = None, **args: Any) -> Request:
    return Request(method=method, args=args, version=version, context={}, namespace=namespace)


async def test_each_major_version_goes_to_its_endpoint() -> None:
    dispatcher = Dispatcher([V1(), V2()])
    ctx = RequestContext()
    assert await dispatcher.dispatch(ctx, _request("ping", "1.2", value=1)) == "v1:1"
    assert await dispatcher.dispatch(ctx, _request("ping", "2.0", value=1)) == "v2:1"
    assert await dispatcher.dispatch(ctx, _request("only_in_two", "2.1")) == "two"


def test_routing_errors_name_the_versions() -> None:
    dispatcher = Dispatcher([V1(), V2()])
    with pytest.raises(UnsupportedVersion, match=r"3\.0 \(serves 1\.5, 2\.1\)"):
        dispatcher.find(_request("ping", "3.0"))
    with pytest.raises(UnsupportedVersion, match=r"1\.6"):
        dispatcher.find(_request("ping", "1.6"))
    with pytest.raises(NoSuchMethod, match="only_in_two"):
        dispatcher.find(_request("only_in_two", "1.0"))


async def test_explicit_method_list_and_namespace() -> None:
    dispatcher = Dispatcher([V1(), Listed()])
    assert await dispatcher.dispatch(RequestContext(), _request("ping", "1.0", "listed")) == (
        "listed"
    )
    with pytest.raises(NoSuchMethod):
        dispatcher.find(_request("other", "1.0", "listed"))


def test_a_request_with_a_malformed_version_is_invalid() -> None:
    with pytest.raises(Invalid):
        Dispatcher([V1()]).find(_request("ping", "one"))


def test_bad_endpoint_declarations_are_refused_at_construction() -> None:
    class NoVersion:
        @rpc.expose
        async def ping(self, ctx: RequestContext) -> None: ...

    class BadVersion:
        RPC_API_VERSION = "1"

    class SyncListed:
        RPC_API_VERSION = "1.0"
        RPC_METHODS = ("ping",)

        def ping(self, ctx: RequestContext) -> None: ...

    class PrivateListed:
        RPC_API_VERSION = "1.0"
        RPC_METHODS = ("_secret",)

        async def _secret(self, ctx: RequestContext) -> None: ...

    for endpoint in (NoVersion(), SyncListed(), PrivateListed()):
        with pytest.raises(TypeError):
            Dispatcher([endpoint])
    with pytest.raises(Invalid):
        Dispatcher([BadVersion()])
    with pytest.raises(ValueError, match="at least one endpoint"):
        Dispatcher([])


def test_expose_refuses_plain_functions() -> None:
    def plain(self: object, ctx: RequestContext) -> None: ...

    with pytest.raises(TypeError, match="async def"):
        rpc.expose(plain)  # type: ignore[type-var]

"""How a class becomes an RPC endpoint.

An endpoint is any object whose class declares the API version it serves and
marks the methods it exposes; nothing else is reachable over the bus::

    class ConductorManager:
        RPC_API_VERSION = "1.3"
        RPC_NAMESPACE = None            # optional; "baseapi" etc. for side APIs

        @rpc.expose
        async def ping(self, ctx: RequestContext, *, value: str) -> str: ...

Instead of the decorator a class may list its methods in ``RPC_METHODS``.
Exposed methods are ``async def method(self, ctx, **kwargs)``.
"""

from __future__ import annotations

import dataclasses
import inspect
import typing
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

from novalite.rpc.version import parse_version

_MARK = "__novalite_rpc_exposed__"

F = TypeVar("F", bound=Callable[..., Awaitable[Any]])
EndpointMethod = Callable[..., Awaitable[Any]]


def expose(func: F) -> F:
    """Mark an ``async def`` method of an endpoint class as callable over RPC."""
    if not inspect.iscoroutinefunction(func):
        raise TypeError(f"RPC method {func.__qualname__} must be declared with async def")
    setattr(func, _MARK, True)
    return typing.cast(F, func)


@dataclasses.dataclass(frozen=True, slots=True)
class EndpointInfo:
    """What the dispatcher knows of one endpoint: its version, namespace and methods."""

    target: object
    version: str
    namespace: str | None
    methods: Mapping[str, EndpointMethod]

    @classmethod
    def inspect(cls, endpoint: object) -> EndpointInfo:
        """Read the declarations of ``endpoint``; raise TypeError if they are incomplete."""
        klass = type(endpoint)
        version = getattr(klass, "RPC_API_VERSION", None)
        if not isinstance(version, str):
            raise TypeError(f"RPC endpoint {klass.__qualname__} has no RPC_API_VERSION string")
        parse_version(version)
        namespace = getattr(klass, "RPC_NAMESPACE", None)
        listed = getattr(klass, "RPC_METHODS", None)
        names = list(listed) if listed is not None else _marked_methods(klass)
        methods: dict[str, EndpointMethod] = {}
        for name in names:
            if name.startswith("_"):
                raise TypeError(f"RPC endpoint {klass.__qualname__} exposes private {name}")
            bound = getattr(endpoint, name, None)
            if bound is None or not inspect.iscoroutinefunction(bound):
                raise TypeError(f"RPC method {klass.__qualname__}.{name} is not an async method")
            methods[name] = bound
        return cls(target=endpoint, version=version, namespace=namespace, methods=methods)


def _marked_methods(klass: type) -> list[str]:
    names = []
    for name in dir(klass):
        attr = inspect.getattr_static(klass, name, None)
        if isinstance(attr, staticmethod | classmethod):
            attr = attr.__func__
        if getattr(attr, _MARK, False):
            names.append(name)
    return names

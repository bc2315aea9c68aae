"""Routing of a request to the endpoint method that serves it.

A request for version ``X.Y`` in namespace ``N`` goes to the first endpoint of
namespace ``N`` that serves ``X.Z`` with ``Z >= Y`` and exposes the method. If
some endpoint of the namespace is compatible but none has the method, the caller
gets :class:`NoSuchMethod`; if none is compatible, :class:`UnsupportedVersion`
naming the requested and the served versions.
"""

from __future__ import annotations

from collections.abc import Sequence

from novalite.context import RequestContext
from novalite.domain.base import from_primitive, to_primitive
from novalite.errors import NoSuchMethod, UnsupportedVersion
from novalite.rpc.endpoint import EndpointInfo, EndpointMethod
from novalite.rpc.envelope import Request
from novalite.rpc.version import is_compatible
from novalite.types import JSON


class Dispatcher:
    """Finds and runs the endpoint method for each request."""

    def __init__(self, endpoints: Sequence[object]) -> None:
        if not endpoints:
            raise ValueError("an RPC server needs at least one endpoint")
        self._endpoints = tuple(EndpointInfo.inspect(e) for e in endpoints)

    @property
    def endpoints(self) -> tuple[EndpointInfo, ...]:
        """The endpoints served, in the order they are tried."""
        return self._endpoints

    def find(self, request: Request) -> EndpointMethod:
        """Return the method serving ``request``, or raise NoSuchMethod/UnsupportedVersion."""
        compatible = False
        served: list[str] = []
        for endpoint in self._endpoints:
            if endpoint.namespace != request.namespace:
                continue
            served.append(endpoint.version)
            if not is_compatible(endpoint.version, request.version):
                continue
            compatible = True
            method = endpoint.methods.get(request.method)
            if method is not None:
                return method
        if compatible:
            raise NoSuchMethod(method=request.method)
        served_text = ", ".join(served) or f"nothing in namespace {request.namespace!r}"
        raise UnsupportedVersion(version=request.version, served=served_text)

    async def dispatch(self, ctx: RequestContext, request: Request) -> JSON:
        """Run the request's method with its arguments and return the result as primitives."""
        method = self.find(request)
        args = from_primitive(request.args)
        result = await method(ctx, **args)
        primitive: JSON = to_primitive(result)
        return primitive

"""The calling side of RPC: ``call`` (request/reply) and ``cast`` (one-way), by topic.

A service's client stub wraps one :class:`RpcClient` and picks, per method, the
newest version the version cap allows::

    class ConductorAPI:
        '''Client stub of the conductor's RPC API.'''

        #: 1.0 - initial version; 1.1 - ping() takes ``delay``
        VERSION = "1.1"

        def __init__(self, transport: Transport, version_cap: str | None = None) -> None:
            self._client = RpcClient(transport, "conductor", version="1.0",
                                     version_cap=version_cap)

        async def ping(self, ctx: RequestContext, value: str, delay: float = 0) -> str:
            kwargs = {"value": value}
            version = "1.0"
            if self._client.can_send_version("1.1"):
                version, kwargs["delay"] = "1.1", delay
            return await self._client.prepare(version=version).call(ctx, "ping", **kwargs)
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

from novalite.context import RequestContext
from novalite.domain.base import from_primitive, to_primitive
from novalite.errors import VersionCapExceeded
from novalite.rpc.envelope import Request
from novalite.rpc.transport.base import Target, Transport
from novalite.rpc.version import is_compatible, parse_version

DEFAULT_TIMEOUT = 60.0


@dataclasses.dataclass(frozen=True, slots=True)
class _Settings:
    target: Target
    version: str
    timeout: float
    namespace: str | None
    version_cap: str | None


class RpcClient:
    """Sends requests for one topic; immutable: :meth:`prepare` returns a tuned copy."""

    def __init__(
        self,
        transport: Transport,
        topic: str,
        version: str = "1.0",
        timeout: float = DEFAULT_TIMEOUT,
        *,
        namespace: str | None = None,
        version_cap: str | None = None,
        server: str | None = None,
        fanout: bool = False,
    ) -> None:
        parse_version(version)
        if version_cap is not None:
            parse_version(version_cap)
        if timeout <= 0:
            raise ValueError(f"RPC timeout must be positive, not {timeout}")
        self._transport = transport
        self._settings = _Settings(
            target=Target(topic, server, fanout),
            version=version,
            timeout=float(timeout),
            namespace=namespace,
            version_cap=version_cap,
        )

    @property
    def transport(self) -> Transport:
        """The transport this client sends through."""
        return self._transport

    @property
    def target(self) -> Target:
        """Where this client's messages go."""
        return self._settings.target

    @property
    def version(self) -> str:
        """The version messages are sent as."""
        return self._settings.version

    @property
    def timeout(self) -> float:
        """Seconds a call waits for its reply (and a cast for the bus)."""
        return self._settings.timeout

    @property
    def version_cap(self) -> str | None:
        """The newest version the receivers are known to understand, if pinned."""
        return self._settings.version_cap

    def prepare(
        self,
        server: str | None = None,
        version: str | None = None,
        timeout: float | None = None,
        fanout: bool = False,
    ) -> RpcClient:
        """A copy of this client aimed at ``server`` (or every server with ``fanout``),
        sending as ``version`` and waiting ``timeout``; unset values are kept."""
        current = self._settings
        clone = RpcClient(
            self._transport,
            current.target.topic,
            version=version or current.version,
            timeout=timeout if timeout is not None else current.timeout,
            namespace=current.namespace,
            version_cap=current.version_cap,
            server=server if server is not None else current.target.server,
            fanout=fanout,
        )
        return clone

    def can_send_version(self, version: str) -> bool:
        """True if ``version`` is within the version cap (always, without a cap)."""
        cap = self._settings.version_cap
        return cap is None or is_compatible(cap, version)

    async def call(self, ctx: RequestContext, method: str, **kwargs: Any) -> Any:
        """Invoke ``method`` on one server of the topic and return its result.

        Raises MessagingTimeout if no reply comes within the timeout, the
        endpoint's own novalite error (same class, same message), or RemoteError
        for any other exception it raised.
        """
        settings = self._settings
        if settings.target.fanout:
            raise ValueError("call() cannot be fanned out; use cast()")
        request = self._request(ctx, method, kwargs, msg_id=uuid.uuid4().hex)
        reply = await self._transport.call(settings.target, request, timeout=settings.timeout)
        if reply.failure is not None:
            raise reply.failure.to_exception()
        return from_primitive(reply.result)

    async def cast(self, ctx: RequestContext, method: str, **kwargs: Any) -> None:
        """Send ``method`` to one server of the topic (or all, with fanout) without waiting.

        Returns once the bus has the message; raises MessagingUnreachable if the
        broker cannot take it within the timeout.
        """
        request = self._request(ctx, method, kwargs, msg_id=None)
        await self._transport.cast(self._settings.target, request, timeout=self._settings.timeout)

    def _request(
        self, ctx: RequestContext, method: str, kwargs: dict[str, Any], *, msg_id: str | None
    ) -> Request:
        settings = self._settings
        if not self.can_send_version(settings.version):
            raise VersionCapExceeded(version=settings.version, cap=settings.version_cap)
        return Request(
            method=method,
            args=to_primitive(kwargs),
            version=settings.version,
            context=ctx.to_dict(),
            namespace=settings.namespace,
            msg_id=msg_id,
            timeout=settings.timeout if msg_id is not None else None,
        )

    def __repr__(self) -> str:
        return f"<RpcClient {self._settings.target} v{self.version} via {self._transport!r}>"

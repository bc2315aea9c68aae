# ruff: noqa: ASYNC109 - an RPC timeout is part of the message (its TTL, the reply wait)
"""The interface every transport implements, and the addressing it understands.

A server for topic ``T`` on host ``H`` consumes three things:

* the shared queue ``T``: messages to any server of the topic, round-robin;
* the direct queue ``T.H``: messages to that one server;
* the fanout of ``T``: a copy of every fanout message for every server.

Delivery is at least once for casts: a transport hands each message to the
server's handler as an :class:`Incoming`, and the message stays the server's
responsibility until :meth:`Incoming.acknowledge` (done with it) or
:meth:`Incoming.requeue` (give it back for another server). A message neither
acknowledged nor requeued when its listener closes goes back to its queue.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable

from novalite.rpc.envelope import Reply, Request
from novalite.rpc.url import TransportURL


@dataclasses.dataclass(frozen=True, slots=True)
class Target:
    """Where a message goes: a topic, optionally one server of it, or all of them (fanout)."""

    topic: str
    server: str | None = None
    fanout: bool = False

    def __post_init__(self) -> None:
        if not self.topic or "#" in self.topic or "*" in self.topic:
            raise ValueError(f"invalid RPC topic {self.topic!r}")
        if self.server is not None and (not self.server or "#" in self.server):
            raise ValueError(f"invalid RPC server name {self.server!r}")

    @property
    def routing_key(self) -> str:
        """``topic`` or ``topic.server``: the queue a (non-fanout) message goes to."""
        return self.topic if self.server is None else f"{self.topic}.{self.server}"

    def __str__(self) -> str:
        return f"{self.topic} (fanout)" if self.fanout else self.routing_key


class Incoming(abc.ABC):
    """One delivered request, owned by the server until acknowledged or requeued."""

    def __init__(self, request: Request) -> None:
        self.request = request

    @property
    def is_stale(self) -> bool:
        """True if the transport has already taken the message back (its channel died and
        the broker will redeliver it): the server must not start it."""
        return False

    @abc.abstractmethod
    async def acknowledge(self) -> None:
        """Tell the transport the message is done with and must not come back."""

    @abc.abstractmethod
    async def requeue(self) -> None:
        """Give the message back to its queue, for this or another server."""

    @abc.abstractmethod
    async def reply(self, reply: Reply) -> None:
        """Send the reply of a call to its caller (best effort, bounded in time)."""


#: Called by a transport for each delivered message; must not block (it schedules work).
MessageHandler = Callable[[Incoming], None]


class Listener(abc.ABC):
    """The consuming side of one server: its three queues."""

    @abc.abstractmethod
    async def stop(self) -> None:
        """Stop receiving new messages; those already delivered stay valid."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release the queues; messages not yet acknowledged go back to them."""


class Transport(abc.ABC):
    """A message bus connection shared by the clients and servers of one process."""

    def __init__(self, url: TransportURL) -> None:
        self.url = url
        self._closed = False

    @property
    def is_closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed

    @property
    @abc.abstractmethod
    def is_connected(self) -> bool:
        """True while the transport can send and receive."""

    @abc.abstractmethod
    async def connect(self, timeout: float = 10.0) -> None:
        """Connect (idempotent); raise MessagingUnreachable if that fails within ``timeout``."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the connection; the transport cannot be used afterwards."""

    @abc.abstractmethod
    async def cast(self, target: Target, request: Request, *, timeout: float) -> None:
        """Send a one-way message, waiting at most ``timeout`` to hand it to the bus."""

    @abc.abstractmethod
    async def call(self, target: Target, request: Request, *, timeout: float) -> Reply:
        """Send a request with a ``msg_id`` and wait for its reply; MessagingTimeout after
        ``timeout`` seconds."""

    @abc.abstractmethod
    async def listen(
        self, topic: str, server: str, handler: MessageHandler, *, prefetch: int
    ) -> Listener:
        """Start consuming the shared, direct and fanout queues of ``topic`` for ``server``.

        At most ``prefetch`` messages are outstanding (delivered, not yet
        acknowledged) at a time, so a slow server does not hoard work.
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url.masked()}>"

# ruff: noqa: ASYNC109 - an RPC timeout is part of the message (its TTL, the reply wait)
"""The in-process transport: queues in memory, one bus per name and event loop.

It keeps the semantics of the RabbitMQ transport where they apply, so code
tested on it behaves the same over a broker: messages are serialised (no object
is shared between caller and callee), a topic's shared queue is served
round-robin within each server's prefetch, messages cast to a topic with no
server wait for one, calls expire after their timeout, fanout reaches the
servers listening at the time, and unacknowledged messages go back to their
queue when a server closes. Nothing is persisted: the bus lives as long as the
event loop.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import uuid
import weakref

from novalite.errors import MessageInvalid, MessagingError, MessagingTimeout
from novalite.rpc.envelope import (
    Reply,
    Request,
    decode_reply,
    decode_request,
    encode_reply,
    encode_request,
)
from novalite.rpc.transport.base import Incoming, Listener, MessageHandler, Target, Transport
from novalite.rpc.url import TransportURL

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(slots=True)
class _Message:
    body: bytes
    expires_at: float | None = None


class _Consumer:
    """One server's subscription to one queue, with its prefetch window."""

    def __init__(self, handler: MessageHandler, prefetch: int) -> None:
        self.handler = handler
        self.prefetch = max(1, prefetch)
        self.outstanding: set[_InprocIncoming] = set()

    @property
    def ready(self) -> bool:
        return len(self.outstanding) < self.prefetch


class _Queue:
    """Buffered messages and the consumers they are handed to, round-robin."""

    def __init__(self, name: str, bus: _Bus) -> None:
        self.name = name
        self.bus = bus
        self.messages: collections.deque[_Message] = collections.deque()
        self.consumers: list[_Consumer] = []
        self._cursor = 0

    def put(self, message: _Message, *, front: bool = False) -> None:
        if front:
            self.messages.appendleft(message)
        else:
            self.messages.append(message)
        self.pump()

    def pump(self) -> None:
        """Hand buffered messages to consumers that have room, in turn."""
        loop_time = asyncio.get_running_loop().time()
        while self.messages:
            consumer = self._next_ready()
            if consumer is None:
                return
            message = self.messages.popleft()
            if message.expires_at is not None and message.expires_at <= loop_time:
                continue  # a call nobody waits for any more, as a TTL does on the broker
            try:
                request = decode_request(message.body)
            except MessageInvalid as exc:
                LOG.warning("Dropping an unreadable message on %s: %s", self.name, exc)
                continue
            incoming = _InprocIncoming(request, self, message, consumer)
            consumer.outstanding.add(incoming)
            consumer.handler(incoming)

    def _next_ready(self) -> _Consumer | None:
        count = len(self.consumers)
        for step in range(count):
            index = (self._cursor + step) % count
            consumer = self.consumers[index]
            if consumer.ready:
                self._cursor = index + 1
                return consumer
        return None


class _Bus:
    """The queues, fanout subscriptions and reply boxes of one named bus."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.queues: dict[str, _Queue] = {}
        self.fanouts: dict[str, set[_Queue]] = {}
        self.reply_boxes: dict[str, InprocTransport] = {}

    def queue(self, name: str) -> _Queue:
        queue = self.queues.get(name)
        if queue is None:
            queue = self.queues[name] = _Queue(name, self)
        return queue


_BUSES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, _Bus]] = (
    weakref.WeakKeyDictionary()
)


def _bus(name: str) -> _Bus:
    buses = _BUSES.setdefault(asyncio.get_running_loop(), {})
    bus = buses.get(name)
    if bus is None:
        bus = buses[name] = _Bus(name)
    return bus


class _InprocIncoming(Incoming):
    def __init__(
        self, request: Request, queue: _Queue, message: _Message, consumer: _Consumer
    ) -> None:
        super().__init__(request)
        self._queue = queue
        self._message = message
        self._consumer = consumer
        self._settled = False

    def _settle(self) -> bool:
        if self._settled:
            return False
        self._settled = True
        self._consumer.outstanding.discard(self)
        return True

    async def acknowledge(self) -> None:
        if self._settle():
            self._queue.pump()

    async def requeue(self) -> None:
        if self._settle():
            self._queue.put(self._message, front=True)

    async def reply(self, reply: Reply) -> None:
        body = encode_reply(reply)
        caller = self._queue.bus.reply_boxes.get(self.request.reply_to or "")
        if caller is None:
            LOG.debug("Reply to %s dropped: its caller is gone", self.request.reply_to)
            return
        caller.deliver_reply(body)

    def requeue_now(self) -> None:
        """Give the message back at once (used when the listener closes)."""
        if self._settle():
            self._queue.put(self._message, front=True)


class InprocListener(Listener):
    """A server's consumers on its shared, direct and fanout queues."""

    def __init__(self, bus: _Bus, topic: str, server: str, handler: MessageHandler, prefetch: int):
        self._bus = bus
        self._topic = topic
        self._fanout_queue = _Queue(f"{topic}_fanout_{uuid.uuid4().hex}", bus)
        self._subscriptions: list[tuple[_Queue, _Consumer]] = []
        for queue in (bus.queue(topic), bus.queue(f"{topic}.{server}"), self._fanout_queue):
            consumer = _Consumer(handler, prefetch)
            queue.consumers.append(consumer)
            self._subscriptions.append((queue, consumer))
        bus.fanouts.setdefault(topic, set()).add(self._fanout_queue)
        self._stopped = False
        for queue, _ in self._subscriptions:
            queue.pump()

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        self._bus.fanouts.get(self._topic, set()).discard(self._fanout_queue)
        for queue, consumer in self._subscriptions:
            if consumer in queue.consumers:
                queue.consumers.remove(consumer)

    async def close(self) -> None:
        await self.stop()
        for _, consumer in self._subscriptions:
            for incoming in list(consumer.outstanding):
                incoming.requeue_now()


class InprocTransport(Transport):
    """In-memory message bus for the all-in-one process and for fast tests."""

    def __init__(self, url: TransportURL) -> None:
        super().__init__(url)
        self._reply_box = f"reply_{uuid.uuid4().hex}"
        self._waiters: dict[str, asyncio.Future[Reply]] = {}
        self._bus_obj: _Bus | None = None

    @property
    def is_connected(self) -> bool:
        return not self._closed

    def _bus(self) -> _Bus:
        if self._closed:
            raise MessagingError(reason=f"transport {self.url.masked()} is closed")
        if self._bus_obj is None:
            self._bus_obj = _bus(self.url.bus_name)
            self._bus_obj.reply_boxes[self._reply_box] = self
        return self._bus_obj

    async def connect(self, timeout: float = 10.0) -> None:
        self._bus()

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._bus_obj is not None:
            self._bus_obj.reply_boxes.pop(self._reply_box, None)
        for future in self._waiters.values():
            if not future.done():
                future.set_exception(MessagingError(reason="transport closed during a call"))

    async def cast(self, target: Target, request: Request, *, timeout: float) -> None:
        self._route(target, _Message(encode_request(request)))

    async def call(self, target: Target, request: Request, *, timeout: float) -> Reply:
        msg_id = request.msg_id
        if msg_id is None:
            raise ValueError("a call needs a msg_id")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Reply] = loop.create_future()
        self._waiters[msg_id] = future
        request = dataclasses.replace(request, reply_to=self._reply_box)
        try:
            self._route(target, _Message(encode_request(request), loop.time() + timeout))
            async with asyncio.timeout(timeout):
                return await future
        except TimeoutError:
            raise MessagingTimeout(
                timeout=timeout, method=request.method, topic=str(target)
            ) from None
        finally:
            self._waiters.pop(msg_id, None)

    def deliver_reply(self, body: bytes) -> None:
        """Resolve the waiting call that ``body`` answers (called by the bus)."""
        try:
            reply = decode_reply(body)
        except MessageInvalid as exc:
            LOG.warning("Dropping an unreadable reply: %s", exc)
            return
        future = self._waiters.get(reply.msg_id)
        if future is not None and not future.done():
            future.set_result(reply)

    async def listen(
        self, topic: str, server: str, handler: MessageHandler, *, prefetch: int
    ) -> Listener:
        Target(topic, server)  # validates the names
        return InprocListener(self._bus(), topic, server, handler, prefetch)

    def _route(self, target: Target, message: _Message) -> None:
        bus = self._bus()
        if target.fanout:
            for queue in list(bus.fanouts.get(target.topic, ())):
                queue.put(_Message(message.body))
        else:
            bus.queue(target.routing_key).put(message)

# ruff: noqa: ASYNC109 - an RPC timeout is part of the message (its TTL, the reply wait)
"""The RabbitMQ transport (aio-pika), with oslo.messaging's topology.

* Casts and calls go to the topic exchange ``control_exchange`` (``nova``) with
  routing key ``topic`` or ``topic.server``; the publisher declares the target
  queue (durable, bound) first, so a cast to a topic no server consumes yet waits
  in its queue. Casts are persistent; calls are transient and expire from the
  queue after their timeout (nobody waits for them any more).
* Fanout casts go to the fanout exchange ``topic_fanout``: every server of the
  topic that is listening gets a copy.
* Replies go through the default exchange to this transport's reply queue
  ``reply_<uuid>``, matched to their call by ``msg_id``. The queue outlives a
  short disconnection (``x-expires``) so replies sent meanwhile still arrive.

Delivery guarantees: a cast is acknowledged only after its handler finished, so
it is delivered at least once (a server that dies or loses its connection in
the middle gets it redelivered, possibly to another server). A call is
acknowledged when its handler starts: at most once; its caller sees the reply
or MessagingTimeout, never waits longer than its timeout.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import logging
import uuid

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
)

from novalite.errors import (
    MessageInvalid,
    MessagingError,
    MessagingTimeout,
    MessagingUnreachable,
)
from novalite.rpc.envelope import Reply, Request, decode_reply, encode_request
from novalite.rpc.options import RabbitOptions
from novalite.rpc.transport.base import Listener, MessageHandler, Target, Transport
from novalite.rpc.transport.rabbit_connection import (
    CONNECTION_OR_TIMEOUT_ERRORS,
    Declarer,
    RabbitConnection,
    watch_channel,
)
from novalite.rpc.transport.rabbit_listener import RabbitListener
from novalite.rpc.url import TransportURL

LOG = logging.getLogger(__name__)


class RabbitTransport(Transport):
    """RPC over RabbitMQ: one supervised connection, one reply queue."""

    def __init__(self, url: TransportURL, options: RabbitOptions | None = None) -> None:
        super().__init__(url)
        self.options = options or RabbitOptions()
        self._connection = RabbitConnection(url, self.options)
        self._reply_queue = f"reply_{uuid.uuid4().hex}"
        self._reply_channel: AbstractChannel | None = None
        self._reply_consumer: tuple[AbstractQueue, str] | None = None
        self._reply_ready: asyncio.Task[None] | None = None
        self._waiters: dict[str, asyncio.Future[Reply]] = {}

    @property
    def is_connected(self) -> bool:
        return self._connection.is_connected

    @property
    def reply_queue(self) -> str:
        """The name of this transport's reply queue."""
        return self._reply_queue

    async def connect(self, timeout: float = 10.0) -> None:
        await self._connection.connect(timeout)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for future in self._waiters.values():
            if not future.done():
                future.set_exception(MessagingError(reason="transport closed during a call"))
        channel, consumer = self._reply_channel, self._reply_consumer
        self._reply_channel = None
        if channel is not None and not channel.is_closed and self.is_connected:
            try:
                async with asyncio.timeout(2.0):
                    if consumer is not None:
                        await consumer[0].cancel(consumer[1])
                    await channel.queue_delete(self._reply_queue)
            except CONNECTION_OR_TIMEOUT_ERRORS as exc:
                LOG.debug("Could not delete reply queue %s: %s", self._reply_queue, exc)
        await self._connection.close()

    async def cast(self, target: Target, request: Request, *, timeout: float) -> None:
        body = encode_request(request)
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            await self._publish_request(target, body, deadline=deadline, expiration=None)
        except TimeoutError:
            raise MessagingUnreachable(
                url=self.url.masked(),
                reason=f"cast {request.method} to {target} not sent within {timeout}s "
                f"(last error: {self._connection.last_error})",
            ) from None

    async def call(self, target: Target, request: Request, *, timeout: float) -> Reply:
        msg_id = request.msg_id
        if msg_id is None:
            raise ValueError("a call needs a msg_id")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        body = encode_request(dataclasses.replace(request, reply_to=self._reply_queue))
        future: asyncio.Future[Reply] = loop.create_future()
        self._waiters[msg_id] = future
        try:
            async with asyncio.timeout(timeout):
                await self._ensure_reply_consumer()
                await self._publish_request(target, body, deadline=deadline, expiration=timeout)
                return await future
        except TimeoutError:
            raise MessagingTimeout(
                timeout=timeout, method=request.method, topic=str(target)
            ) from None
        finally:
            self._waiters.pop(msg_id, None)

    async def listen(
        self, topic: str, server: str, handler: MessageHandler, *, prefetch: int
    ) -> Listener:
        Target(topic, server)  # validates the names
        if self._closed:
            raise MessagingError(reason=f"transport {self.url.masked()} is closed")
        count = self.options.rabbit_qos_prefetch_count or prefetch
        listener = RabbitListener(
            self,
            self._connection,
            self.options,
            topic=topic,
            server=server,
            handler=handler,
            prefetch=max(1, count),
        )
        await listener.start()
        return listener

    async def send_reply(self, reply_to: str, body: bytes, *, timeout: float) -> None:
        """Publish a reply to a caller's reply queue, trying for at most ``timeout``."""
        deadline = asyncio.get_running_loop().time() + timeout
        try:
            await self._connection.publish(
                "", reply_to, body, deadline=deadline, persistent=False, expiration=timeout
            )
        except TimeoutError:
            LOG.warning(
                "Reply to %s not sent within %.1fs: the caller times out", reply_to, timeout
            )

    # -- sending ------------------------------------------------------------------------------

    async def _publish_request(
        self, target: Target, body: bytes, *, deadline: float, expiration: float | None
    ) -> None:
        if target.fanout:
            exchange, routing_key = f"{target.topic}_fanout", ""
            declare: Declarer = functools.partial(_declare_fanout, exchange)
        else:
            exchange, routing_key = self.options.control_exchange, target.routing_key
            declare = functools.partial(
                _declare_topic_queues, self.options, (target.topic, target.routing_key)
            )
        await self._connection.publish(
            exchange,
            routing_key,
            body,
            deadline=deadline,
            persistent=expiration is None and not target.fanout,
            expiration=expiration,
            declare=declare,
            mandatory=not target.fanout,
        )

    # -- replies ------------------------------------------------------------------------------

    async def _ensure_reply_consumer(self) -> None:
        if self._reply_ready is None:
            self._reply_ready = asyncio.ensure_future(
                self._connection.add_restorer(self, self._restore_replies)
            )
        await asyncio.shield(self._reply_ready)

    async def _restore_replies(self, connection: AbstractConnection) -> None:
        channel = await connection.channel(publisher_confirms=False)
        ttl_ms = self.options.rabbit_transient_queues_ttl * 1000
        queue = await channel.declare_queue(
            self._reply_queue, auto_delete=False, arguments={"x-expires": ttl_ms}
        )
        tag = await queue.consume(self._on_reply, no_ack=True)
        self._reply_channel = channel
        self._reply_consumer = (queue, tag)
        await watch_channel(
            channel, connection, self._connection, lambda: self._reply_channel is channel
        )

    async def _on_reply(self, message: AbstractIncomingMessage) -> None:
        try:
            reply = decode_reply(message.body)
        except MessageInvalid as exc:
            LOG.warning("Dropping an unreadable reply: %s", exc)
            return
        future = self._waiters.get(reply.msg_id)
        if future is None:
            LOG.debug("Reply %s arrived after its caller gave up", reply.msg_id)
        elif not future.done():
            future.set_result(reply)


async def _declare_topic_queues(
    options: RabbitOptions, names: tuple[str, ...], channel: AbstractChannel, declared: set[str]
) -> None:
    """Declare the durable queues a topic message goes to, so that it waits for a server."""
    for name in names:
        if name in declared:
            continue
        queue = await channel.declare_queue(name, durable=options.amqp_durable_queues)
        await queue.bind(options.control_exchange, routing_key=name)
        declared.add(name)


async def _declare_fanout(name: str, channel: AbstractChannel, declared: set[str]) -> None:
    """Declare the fanout exchange of a topic (it may have been auto-deleted meanwhile)."""
    await channel.declare_exchange(name, aio_pika.ExchangeType.FANOUT, auto_delete=True)

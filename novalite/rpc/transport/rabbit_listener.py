"""The consuming side of an RPC server on RabbitMQ.

Per server of topic ``T`` on host ``H``, on a channel of its own with a bounded
prefetch (``basic.qos``):

* durable queue ``T`` bound to the control exchange with key ``T`` (shared: the
  broker round-robins its messages among the servers of the topic);
* durable queue ``T.H`` bound with key ``T.H`` (direct);
* exclusive, auto-delete queue ``T_fanout_<uuid>`` bound to the fanout exchange
  ``T_fanout`` (each server gets a copy of each fanout message).

Everything is declared again on each reconnection. Acknowledgements are manual:
a message the server never acknowledges (because the connection dropped, or the
server stopped before starting it) is redelivered by the broker.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractIncomingMessage,
    AbstractQueue,
)

from novalite.errors import MessageInvalid
from novalite.rpc.envelope import Reply, Request, decode_request, encode_reply
from novalite.rpc.options import RabbitOptions
from novalite.rpc.transport.base import Incoming, Listener, MessageHandler
from novalite.rpc.transport.rabbit_connection import (
    CONNECTION_ERRORS,
    RabbitConnection,
    watch_channel,
)

if TYPE_CHECKING:
    from novalite.rpc.transport.rabbit import RabbitTransport

LOG = logging.getLogger(__name__)

#: How long a server tries to send a reply when the call did not say its timeout.
DEFAULT_REPLY_TIMEOUT = 60.0


class RabbitIncoming(Incoming):
    """A delivered AMQP message; acknowledging it on a dead channel is harmless."""

    def __init__(
        self, request: Request, message: AbstractIncomingMessage, transport: RabbitTransport
    ) -> None:
        super().__init__(request)
        self._message = message
        self._transport = transport

    @property
    def is_stale(self) -> bool:
        try:
            return self._message.channel.is_closed
        except CONNECTION_ERRORS:
            return True

    async def acknowledge(self) -> None:
        try:
            await self._message.ack()
        except CONNECTION_ERRORS as exc:
            LOG.debug("Cannot ack %s (%s): the broker will redeliver it", self.request.method, exc)

    async def requeue(self) -> None:
        try:
            await self._message.nack(requeue=True)
        except CONNECTION_ERRORS as exc:
            LOG.debug("Cannot requeue %s (%s): the broker requeues it", self.request.method, exc)

    async def reply(self, reply: Reply) -> None:
        timeout = self.request.timeout
        if not isinstance(timeout, int | float) or timeout <= 0:
            timeout = DEFAULT_REPLY_TIMEOUT
        await self._transport.send_reply(
            self.request.reply_to or "", encode_reply(reply), timeout=float(timeout)
        )


class RabbitListener(Listener):
    """A server's three queues and their consumers, restored on every reconnection."""

    def __init__(
        self,
        transport: RabbitTransport,
        connection: RabbitConnection,
        options: RabbitOptions,
        *,
        topic: str,
        server: str,
        handler: MessageHandler,
        prefetch: int,
    ) -> None:
        self._transport = transport
        self._connection = connection
        self._options = options
        self._topic = topic
        self._server = server
        self._handler = handler
        self._prefetch = prefetch
        self._channel: AbstractChannel | None = None
        self._consumers: list[tuple[AbstractQueue, str]] = []
        self._stopped = False

    async def start(self) -> None:
        """Declare and consume now if connected, and again after every reconnection."""
        await self._connection.add_restorer(self, self._restore)

    async def _restore(self, connection: AbstractConnection) -> None:
        durable = self._options.amqp_durable_queues
        channel = await connection.channel(publisher_confirms=False)
        await channel.set_qos(prefetch_count=self._prefetch)
        exchange = await channel.declare_exchange(
            self._options.control_exchange, aio_pika.ExchangeType.TOPIC, durable=durable
        )
        queues: list[AbstractQueue] = []
        for name in (self._topic, f"{self._topic}.{self._server}"):
            queue = await channel.declare_queue(name, durable=durable)
            await queue.bind(exchange, routing_key=name)
            queues.append(queue)
        fanout = await channel.declare_exchange(
            f"{self._topic}_fanout", aio_pika.ExchangeType.FANOUT, auto_delete=True
        )
        fanout_queue = await channel.declare_queue(
            f"{self._topic}_fanout_{uuid.uuid4().hex}", exclusive=True, auto_delete=True
        )
        await fanout_queue.bind(fanout)
        queues.append(fanout_queue)
        consumers = [(queue, await queue.consume(self._on_message)) for queue in queues]
        self._channel = channel
        self._consumers = consumers
        await watch_channel(
            channel,
            connection,
            self._connection,
            lambda: self._channel is channel and not self._stopped,
        )

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        try:
            if self._stopped:
                await message.nack(requeue=True)
                return
            try:
                request = decode_request(message.body)
            except MessageInvalid as exc:
                LOG.warning("Dropping an unreadable message on %s: %s", self._topic, exc)
                await message.reject(requeue=False)
                return
        except CONNECTION_ERRORS as exc:
            LOG.debug(
                "Cannot settle a message on %s (%s): the broker requeues it", self._topic, exc
            )
            return
        self._handler(RabbitIncoming(request, message, self._transport))

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        await self._connection.remove_restorer(self)
        consumers, self._consumers = self._consumers, []
        for queue, tag in consumers:
            try:
                await queue.cancel(tag)
            except CONNECTION_ERRORS as exc:
                LOG.debug("Cancelling consumer %s failed: %s", tag, exc)

    async def close(self) -> None:
        await self.stop()
        channel, self._channel = self._channel, None
        if channel is not None and not channel.is_closed:
            try:
                await channel.close()
            except CONNECTION_ERRORS as exc:
                LOG.debug("Closing the consumer channel failed: %s", exc)

# ruff: noqa: ASYNC109 - an RPC timeout is part of the message (its TTL, the reply wait)
"""One supervised AMQP connection: connect, reconnect with backoff, restore, publish.

The supervisor task owns the connection. When it is lost (broker restart,
``rabbitmqctl close_connection``, missed heartbeats) the supervisor waits
``retry_delay(n)`` (exponential backoff), tries the URL's hosts in turn, and on
success runs every registered *restorer* (which re-declare their exchanges and
queues and re-create their consumers) before it lets publishers through again.

A publish waits for the connection (up to its deadline) instead of failing at
once, and is retried on a fresh channel if the connection drops under it: a
message may therefore reach the broker twice, never zero times before the
deadline. Publisher confirms are on: a publish returns once the broker has the
message.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractExchange

from novalite.errors import MessagingError, MessagingUnreachable
from novalite.rpc.options import RabbitOptions
from novalite.rpc.url import TransportHost, TransportURL

LOG = logging.getLogger(__name__)

#: Re-creates one component's broker state on a new connection.
Restorer = Callable[[AbstractConnection], Awaitable[None]]
#: Declares what a publish needs on the publishing channel; ``declared`` caches names.
Declarer = Callable[[AbstractChannel, set[str]], Awaitable[None]]

#: Errors that mean "the connection or channel went away": retry after reconnecting.
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    aio_pika.exceptions.AMQPError,
    ConnectionError,
    OSError,
    RuntimeError,
)
#: The same, plus running out of time.
CONNECTION_OR_TIMEOUT_ERRORS: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, TimeoutError)
_PUBLISH_RETRY_PAUSE = 0.05


async def watch_channel(
    channel: AbstractChannel,
    connection: AbstractConnection,
    owner: RabbitConnection,
    in_use: Callable[[], bool],
) -> None:
    """Reconnect (which restores everything) if the broker breaks ``channel`` on its own.

    A channel-level error (``AMQPChannelError``) or the broker cancelling one of
    its consumers (its queue was deleted) is repaired by reconnecting, as long
    as ``in_use()`` says the channel is still wanted (a channel being closed on
    purpose is not). Closures caused by the connection going away are left to
    the supervisor.
    """

    def on_close(_channel: object, exc: BaseException | None = None) -> None:
        broken = isinstance(exc, aio_pika.exceptions.AMQPChannelError)
        if broken and in_use() and not connection.is_closed:
            LOG.warning("A channel on %s broke (%s); reconnecting", owner.url, exc)
            owner.force_reconnect(connection)

    def on_cancel(frame: object) -> None:
        if in_use() and not channel.is_closed:
            LOG.warning("The broker cancelled a consumer on %s; reconnecting", owner.url)
            owner.force_reconnect(connection)

    channel.close_callbacks.add(on_close)
    underlay = await channel.get_underlay_channel()
    underlay.on_consumer_cancel_callbacks.add(on_cancel)


def describe(exc: BaseException) -> str:
    """A one-line description of a connection error (without any password)."""
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"


class RabbitConnection:
    """The AMQP connection of one transport, kept alive by a supervisor task."""

    def __init__(self, url: TransportURL, options: RabbitOptions) -> None:
        if not url.hosts:
            raise ValueError("a rabbit transport URL needs at least one host")
        self.url = url
        self.options = options
        self._connection: AbstractConnection | None = None
        self._connected = asyncio.Event()
        self._lock = asyncio.Lock()
        self._publish_lock = asyncio.Lock()
        self._restorers: dict[object, Restorer] = {}
        self._supervisor: asyncio.Task[None] | None = None
        self._background: set[asyncio.Task[Any]] = set()
        self._closing = False
        self._ever_connected = False
        self._host_index = 0
        self._last_error = "no connection attempt made yet"
        self._channel: AbstractChannel | None = None
        self._exchanges: dict[str, AbstractExchange] = {}
        self._declared: set[str] = set()

    @property
    def is_connected(self) -> bool:
        """True while connected and restored."""
        return self._connected.is_set()

    @property
    def last_error(self) -> str:
        """Why the last connection attempt failed (password-free)."""
        return self._last_error

    async def connect(self, timeout: float) -> None:
        """Wait until connected; raise MessagingUnreachable if not within ``timeout``."""
        self._ensure_running()
        try:
            async with asyncio.timeout(timeout):
                await self._connected.wait()
        except TimeoutError:
            if not self._ever_connected:
                await self._stop_supervisor()
            raise MessagingUnreachable(
                url=self.url.masked(), reason=f"{self._last_error} (gave up after {timeout}s)"
            ) from None

    async def close(self) -> None:
        """Stop reconnecting and close the connection."""
        self._closing = True
        connection = self._connection
        await self._stop_supervisor()
        if connection is not None:
            await self._close_quietly(connection)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(2.0):
                    await connection.closed()
        for task in list(self._background):
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)

    async def add_restorer(self, key: object, restorer: Restorer) -> None:
        """Register ``restorer`` for every future connection, and run it now if connected.

        A failure to run it now forces a reconnection (which runs it again).
        """
        self._ensure_running()
        async with self._lock:
            self._restorers[key] = restorer
            connection = self._connection
            if not self._connected.is_set() or connection is None:
                return
            try:
                await restorer(connection)
            except CONNECTION_ERRORS as exc:
                LOG.warning("Restoring on %s failed (%s); reconnecting", self.url, describe(exc))
                self.force_reconnect(connection)

    async def remove_restorer(self, key: object) -> None:
        """Forget a restorer (waits for a restoration in progress to finish)."""
        async with self._lock:
            self._restorers.pop(key, None)

    def force_reconnect(self, connection: AbstractConnection) -> None:
        """Drop ``connection`` if it is still the current one; the supervisor reconnects."""
        if connection is self._connection and not connection.is_closed:
            self._spawn(connection.close())

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: bytes,
        *,
        deadline: float,
        persistent: bool,
        expiration: float | None = None,
        declare: Declarer | None = None,
        mandatory: bool = False,
    ) -> None:
        """Publish with confirms, waiting for (re)connection; TimeoutError at ``deadline``.

        With ``mandatory``, a message the broker cannot route (its queue was
        deleted since ``declare`` ran) is declared for and sent again.
        """
        self._ensure_running()
        loop = asyncio.get_running_loop()
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=(
                aio_pika.DeliveryMode.PERSISTENT
                if persistent
                else aio_pika.DeliveryMode.NOT_PERSISTENT
            ),
            expiration=expiration,
            message_id=uuid.uuid4().hex,
        )
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError
            channel: AbstractChannel | None = None
            try:
                async with asyncio.timeout(remaining):
                    await self._connected.wait()
                    channel = await self._publish_channel()
                    if declare is not None:
                        await declare(channel, self._declared)
                    target = await self._exchange(channel, exchange)
                    await target.publish(message, routing_key, mandatory=mandatory)
                    return
            except TimeoutError:
                raise
            except aio_pika.exceptions.PublishError:
                LOG.info("%s/%s was unroutable; declaring again", exchange, routing_key)
                self._declared.clear()
            except CONNECTION_ERRORS as exc:
                LOG.debug("Publish to %s/%s failed (%s); retrying", exchange, routing_key, exc)
                if channel is not None and channel is self._channel:
                    self._channel = None
            await asyncio.sleep(min(_PUBLISH_RETRY_PAUSE, max(0.0, deadline - loop.time())))

    # -- supervisor ---------------------------------------------------------------------------

    def _ensure_running(self) -> None:
        if self._closing:
            raise MessagingError(reason=f"transport {self.url.masked()} is closed")
        if self._supervisor is None or self._supervisor.done():
            self._supervisor = asyncio.get_running_loop().create_task(
                self._supervise(), name=f"rabbit-supervisor {self.url.masked()}"
            )

    async def _stop_supervisor(self) -> None:
        task, self._supervisor = self._supervisor, None
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _supervise(self) -> None:
        failures = 0
        while True:
            host = self.url.hosts[self._host_index % len(self.url.hosts)]
            try:
                connection = await self._open(host)
            except Exception as exc:  # any failure to connect is retried, none kills the loop
                self._last_error = f"{host.masked()}: {describe(exc)}"
                self._host_index += 1
                what = "Cannot connect to"
            else:
                restored = await self._serve(host, connection)
                if restored:
                    failures = 0
                what = "Lost the connection to" if restored else "Could not restore state on"
            delay = self.options.retry_delay(failures)
            failures += 1
            LOG.warning("%s %s (%s); retrying in %.1fs", what, self.url, self._last_error, delay)
            await asyncio.sleep(delay)

    async def _open(self, host: TransportHost) -> AbstractConnection:
        connection = await aio_pika.connect(
            host=host.hostname,
            port=host.port,
            login=host.username or "guest",
            password=host.password or "guest",
            virtualhost=self.url.virtual_host,
            timeout=self.options.connect_attempt_timeout,
            client_properties={"connection_name": self.options.connection_name},
            heartbeat=self.options.heartbeat_timeout_threshold,
        )
        return connection

    async def _serve(self, host: TransportHost, connection: AbstractConnection) -> bool:
        """Restore state on ``connection`` and hold it until it closes.

        Returns whether the restoration succeeded; ``last_error`` says why it ended.
        """
        lost: asyncio.Future[str] = asyncio.get_running_loop().create_future()

        def on_close(_sender: object, exc: BaseException | None = None) -> None:
            if not lost.done():
                lost.set_result(describe(exc) if exc is not None else "closed")

        connection.close_callbacks.add(on_close)
        try:
            try:
                async with self._lock, asyncio.timeout(self.options.connect_attempt_timeout):
                    self._connection = connection
                    self._channel = None
                    for restorer in list(self._restorers.values()):
                        await restorer(connection)
                    self._connected.set()
            except Exception as exc:  # a failed restoration is retried like a failed connect
                LOG.debug("Restoring on %s failed", host.masked(), exc_info=True)
                self._last_error = f"{host.masked()}: restoring failed: {describe(exc)}"
                return False
            self._ever_connected = True
            LOG.info("Connected to %s", host.masked())
            reason = await lost
            self._last_error = f"{host.masked()}: {reason}"
            return True
        finally:
            self._connected.clear()
            self._connection = None
            self._channel = None
            if not connection.is_closed:
                await asyncio.shield(self._close_quietly(connection))

    async def _publish_channel(self) -> AbstractChannel:
        channel = self._channel
        if channel is not None and not channel.is_closed:
            return channel
        async with self._publish_lock:
            if self._channel is None or self._channel.is_closed:
                connection = self._connection
                if connection is None or connection.is_closed:
                    raise ConnectionError("not connected")
                channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
                await channel.declare_exchange(
                    self.options.control_exchange,
                    aio_pika.ExchangeType.TOPIC,
                    durable=self.options.amqp_durable_queues,
                )
                self._exchanges = {}
                self._declared = set()
                self._channel = channel
            return self._channel

    async def _exchange(self, channel: AbstractChannel, name: str) -> AbstractExchange:
        if not name:
            return channel.default_exchange
        exchange = self._exchanges.get(name)
        if exchange is None:
            exchange = await channel.get_exchange(name, ensure=False)
            self._exchanges[name] = exchange
        return exchange

    @staticmethod
    async def _close_quietly(connection: AbstractConnection) -> None:
        try:
            await connection.close()
        except CONNECTION_ERRORS as exc:
            LOG.debug("Error while closing a connection: %s", exc)

    def _spawn(self, coro: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

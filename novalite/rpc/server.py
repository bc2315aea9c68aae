"""The serving side of RPC: consume a topic, run endpoint methods, reply to calls.

Concurrency is bounded by ``max_concurrency`` (and the transport's prefetch by
the same number): a delivered message waits for a free slot before it starts.

When a message is settled:

* a **cast** is acknowledged after its handler finished, whether it succeeded or
  raised (the exception is logged, the server goes on): at-least-once delivery.
  A cast whose handler is cancelled by :meth:`RpcServer.stop` is requeued.
* a **call** is acknowledged when its handler starts (at most once; the caller is
  there to see a timeout), then answered with the result or the failure.
* a message that never started (waiting for a slot when the server stops) is
  requeued, so another server or a later start gets it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from types import TracebackType
from typing import Self

from novalite.context import RequestContext
from novalite.errors import MessageInvalid, MessagingError, NovaliteError
from novalite.rpc.dispatcher import Dispatcher
from novalite.rpc.envelope import Reply
from novalite.rpc.failure import Failure
from novalite.rpc.transport.base import Incoming, Listener, Target, Transport

LOG = logging.getLogger(__name__)

DEFAULT_MAX_CONCURRENCY = 64
#: Seconds given to cancelled handlers to requeue their message or send a last reply.
_CANCEL_GRACE = 5.0


class RpcServer:
    """Serves ``endpoints`` for ``topic`` as ``server`` (normally the host name)."""

    def __init__(
        self,
        transport: Transport,
        topic: str,
        server: str,
        endpoints: Sequence[object],
        *,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
    ) -> None:
        if max_concurrency < 1:
            raise ValueError("max_concurrency must be at least 1")
        Target(topic, server)  # validates the names
        self._transport = transport
        self.topic = topic
        self.server = server
        self._dispatcher = Dispatcher(endpoints)
        self._max_concurrency = max_concurrency
        self._slots = asyncio.Semaphore(max_concurrency)
        self._listener: Listener | None = None
        self._waiting: set[asyncio.Task[None]] = set()
        self._running: set[asyncio.Task[None]] = set()
        self._stopping = False

    @property
    def name(self) -> str:
        """A short name for logs: ``rpc server <topic>.<server>``."""
        return f"rpc server {self.topic}.{self.server}"

    @property
    def is_running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._listener is not None and not self._stopping

    async def start(self, connect_timeout: float = 10.0) -> None:
        """Connect the transport if needed and start consuming.

        Raises MessagingUnreachable if the transport cannot connect within
        ``connect_timeout``.
        """
        if self._listener is not None:
            raise RuntimeError(f"RPC server {self.topic}.{self.server} already started")
        await self._transport.connect(timeout=connect_timeout)
        self._stopping = False
        self._listener = await self._transport.listen(
            self.topic, self.server, self._on_incoming, prefetch=self._max_concurrency
        )
        LOG.info("RPC server %s.%s started on %r", self.topic, self.server, self._transport)

    async def stop(self, grace: float = 30.0) -> None:
        """Stop consuming, let running handlers finish within ``grace`` seconds, then
        cancel them. Messages that did not start go back to their queue."""
        listener = self._listener
        if listener is None or self._stopping:
            return
        self._stopping = True
        await listener.stop()
        for task in list(self._waiting):
            task.cancel()
        if self._running:
            _, late = await asyncio.wait(set(self._running), timeout=max(0.0, grace))
            for task in late:
                LOG.warning(
                    "RPC server %s.%s: cancelling a handler after %.1fs grace",
                    self.topic,
                    self.server,
                    grace,
                )
                task.cancel()
        leftovers = self._waiting | self._running
        if leftovers:
            await asyncio.wait(leftovers, timeout=_CANCEL_GRACE)
        await listener.close()
        self._listener = None
        LOG.info("RPC server %s.%s stopped", self.topic, self.server)

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- message handling ---------------------------------------------------------------------

    def _on_incoming(self, incoming: Incoming) -> None:
        task = asyncio.get_running_loop().create_task(self._process(incoming))
        self._waiting.add(task)
        task.add_done_callback(self._forget)

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._waiting.discard(task)
        self._running.discard(task)

    async def _process(self, incoming: Incoming) -> None:
        task = asyncio.current_task()
        assert task is not None
        try:
            if self._stopping:
                raise asyncio.CancelledError
            await self._slots.acquire()
        except asyncio.CancelledError:
            await _quietly(incoming.requeue(), "requeue")
            return
        self._waiting.discard(task)
        self._running.add(task)
        try:
            if self._stopping:
                await _quietly(incoming.requeue(), "requeue")
            elif incoming.is_stale:
                LOG.debug("Skipping %s: the broker redelivers it", incoming.request.method)
            elif incoming.request.is_call:
                await self._handle_call(incoming)
            else:
                await self._handle_cast(incoming)
        finally:
            self._slots.release()

    async def _handle_cast(self, incoming: Incoming) -> None:
        request = incoming.request
        try:
            await self._dispatcher.dispatch(RequestContext.from_dict(request.context), request)
        except asyncio.CancelledError:
            await _quietly(incoming.requeue(), "requeue")
            return
        except Exception as exc:
            self._log_failure("cast", request.method, exc)
        await _quietly(incoming.acknowledge(), "acknowledge")

    async def _handle_call(self, incoming: Incoming) -> None:
        request = incoming.request
        msg_id = request.msg_id or ""
        await _quietly(incoming.acknowledge(), "acknowledge")
        try:
            result = await self._dispatcher.dispatch(
                RequestContext.from_dict(request.context), request
            )
            reply = Reply(msg_id=msg_id, result=result)
        except asyncio.CancelledError:
            stopped = MessagingError(reason=f"server {self.server} stopped before finishing")
            reply = Reply(msg_id=msg_id, failure=Failure.from_exception(stopped))
        except Exception as exc:
            self._log_failure("call", request.method, exc)
            reply = Reply(msg_id=msg_id, failure=Failure.from_exception(exc))
        try:
            await incoming.reply(reply)
        except MessageInvalid as exc:
            LOG.error("Result of %s cannot be sent: %s", request.method, exc)
            await _quietly(
                incoming.reply(Reply(msg_id=msg_id, failure=Failure.from_exception(exc))), "reply"
            )
        except Exception as exc:
            LOG.warning("Reply to %s not sent: %s", request.method, exc)

    def _log_failure(self, kind: str, method: str, exc: Exception) -> None:
        if isinstance(exc, NovaliteError):
            LOG.info("RPC %s %s on %s.%s failed: %s", kind, method, self.topic, self.server, exc)
        else:
            LOG.exception("RPC %s %s on %s.%s raised", kind, method, self.topic, self.server)


async def _quietly(action: Awaitable[None], what: str) -> None:
    """Run a settle action; a transport error there is logged, never raised."""
    try:
        await action
    except Exception as exc:
        LOG.warning("Could not %s a message: %s", what, exc)

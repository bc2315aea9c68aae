"""``get_transport``: one shared transport per URL (and event loop) in a process.

Each cell has its own ``transport_url`` and therefore its own transport. The
RabbitMQ driver is imported only when a ``rabbit://`` URL is used, so the
all-in-one does not pay for aio-pika.
"""

from __future__ import annotations

import asyncio
import weakref

from novalite.rpc.options import RabbitOptions
from novalite.rpc.transport.base import Transport
from novalite.rpc.url import INPROC, TransportURL

_SHARED: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[TransportURL, Transport]] = (
    weakref.WeakKeyDictionary()
)


def create_transport(url: str | TransportURL, options: RabbitOptions | None = None) -> Transport:
    """Build a new, unshared transport for ``url`` (tests and tools; services use get_transport).

    Raises :class:`~novalite.errors.TransportURLInvalid` for a bad URL.
    """
    parsed = url if isinstance(url, TransportURL) else TransportURL.parse(url)
    if parsed.scheme == INPROC:
        from novalite.rpc.transport.inproc import InprocTransport  # noqa: PLC0415

        return InprocTransport(parsed)
    from novalite.rpc.transport.rabbit import RabbitTransport  # noqa: PLC0415 (lazy: aio-pika)

    return RabbitTransport(parsed, options)


def get_transport(url: str | TransportURL, options: RabbitOptions | None = None) -> Transport:
    """Return the transport shared by this process (event loop) for ``url``.

    The first caller's ``options`` win; later callers with the same URL get the
    same transport. A closed transport is replaced by a new one. Must be called
    from a running event loop.
    """
    parsed = url if isinstance(url, TransportURL) else TransportURL.parse(url)
    shared = _SHARED.setdefault(asyncio.get_running_loop(), {})
    transport = shared.get(parsed)
    if transport is None or transport.is_closed:
        transport = shared[parsed] = create_transport(parsed, options)
    return transport

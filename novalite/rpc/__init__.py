"""The message bus: transports, RPC clients and servers, versioned APIs.

Typical use::

    transport = rpc.get_transport(conf.transport_url, rabbit_options)
    await transport.connect(timeout=30)

    server = rpc.RpcServer(transport, "conductor", host, [ConductorManager()])
    await server.start()

    client = rpc.RpcClient(transport, "conductor", version="1.0", timeout=60)
    await client.call(ctx, "ping", value="x")
    await client.prepare(server="h1").cast(ctx, "refresh")
    await client.prepare(fanout=True).cast(ctx, "update_cache")

    await server.stop(grace=30)
    await transport.close()

Endpoints declare ``RPC_API_VERSION`` (and optionally ``RPC_NAMESPACE``) and mark
their ``async def method(self, ctx, **kwargs)`` methods with :func:`expose`.
"""

from novalite.rpc.client import DEFAULT_TIMEOUT, RpcClient
from novalite.rpc.dispatcher import Dispatcher
from novalite.rpc.endpoint import expose
from novalite.rpc.envelope import ENVELOPE_VERSION, Reply, Request
from novalite.rpc.options import RabbitOptions
from novalite.rpc.server import DEFAULT_MAX_CONCURRENCY, RpcServer
from novalite.rpc.transport import Target, Transport, create_transport, get_transport
from novalite.rpc.url import TransportURL
from novalite.rpc.version import is_compatible, parse_version

__all__ = [
    "DEFAULT_MAX_CONCURRENCY",
    "DEFAULT_TIMEOUT",
    "ENVELOPE_VERSION",
    "Dispatcher",
    "RabbitOptions",
    "Reply",
    "Request",
    "RpcClient",
    "RpcServer",
    "Target",
    "Transport",
    "TransportURL",
    "create_transport",
    "expose",
    "get_transport",
    "is_compatible",
    "parse_version",
]

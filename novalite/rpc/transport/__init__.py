"""Message transports: the in-process bus and RabbitMQ, behind one interface."""

from novalite.rpc.transport.base import Incoming, Listener, MessageHandler, Target, Transport
from novalite.rpc.transport.registry import create_transport, get_transport

__all__ = [
    "Incoming",
    "Listener",
    "MessageHandler",
    "Target",
    "Transport",
    "create_transport",
    "get_transport",
]

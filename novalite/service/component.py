"""The unit a launcher starts and stops: an RPC server, an HTTP listener, a periodic task."""

from __future__ import annotations

from typing import Protocol


class Component(Protocol):
    """Something a service runs for as long as it lives."""

    @property
    def name(self) -> str:
        """A short name for logs."""
        ...

    async def start(self) -> None:
        """Start serving; return once the component is ready (or raise)."""
        ...

    async def stop(self, grace: float) -> None:
        """Stop taking new work and finish in-flight work within ``grace`` seconds."""
        ...

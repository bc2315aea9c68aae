"""Starting a service's components, waiting for a signal, stopping them cleanly."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from novalite.service.component import Component

LOG = logging.getLogger(__name__)


class Launcher:
    """Starts components in order and stops them in reverse order.

    ``run()`` returns after SIGTERM or SIGINT (or :meth:`request_stop`), once
    every component has stopped: each gets what is left of
    ``graceful_shutdown_timeout`` to finish its in-flight work.
    """

    def __init__(self, name: str, graceful_shutdown_timeout: float = 60.0) -> None:
        self._name = name
        self._grace = graceful_shutdown_timeout
        self._components: list[Component] = []
        self._started: list[Component] = []
        self._stop_requested = asyncio.Event()

    def add(self, component: Component) -> None:
        """Add a component; components start in the order they were added."""
        self._components.append(component)

    def request_stop(self) -> None:
        """Ask :meth:`run` to stop (as a signal would)."""
        self._stop_requested.set()

    async def start(self) -> None:
        """Start every component; on a failure, stop those already started and re-raise."""
        for component in self._components:
            try:
                await component.start()
            except BaseException:
                await self.stop()
                raise
            self._started.append(component)
            LOG.debug("%s: started %s", self._name, component.name)

    async def stop(self) -> None:
        """Stop started components in reverse order within the grace period."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._grace
        while self._started:
            component = self._started.pop()
            remaining = max(deadline - loop.time(), 0.0)
            try:
                await asyncio.wait_for(component.stop(remaining), timeout=remaining + 5.0)
            except Exception:
                LOG.exception("%s: error stopping %s", self._name, component.name)

    async def run(self) -> None:
        """Start, wait for a stop signal, then stop."""
        loop = asyncio.get_running_loop()
        installed: list[signal.Signals] = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, self._on_signal, sig)
                installed.append(sig)
        try:
            await self.start()
            LOG.info("%s is up: %s", self._name, ", ".join(c.name for c in self._started))
            await self._stop_requested.wait()
            LOG.info("%s: stopping (grace %.0fs)", self._name, self._grace)
            await self.stop()
            LOG.info("%s stopped", self._name)
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        LOG.info("%s: received %s", self._name, sig.name)
        self._stop_requested.set()

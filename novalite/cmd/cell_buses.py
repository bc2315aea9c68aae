"""Each cell's message bus, connected at start, for the services that cast to compute hosts.

The super-conductor and the API cast to ``compute.<host>`` on the bus of the instance's cell
(the cell mapping's ``transport_url``). Cell mappings are read when the service starts (as
nova's services cache them): a cell created later is reached after a restart; until then
its casts go to the service's own bus, with a warning.
"""

from __future__ import annotations

import logging

from novalite import rpc
from novalite.conf import Config
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.domain.cell import CellMapping
from novalite.rpc.compute import ComputeAPI

LOG = logging.getLogger(__name__)


class CellBuses:
    """A :class:`ComputeAPI` per cell; a service component that connects the buses at start."""

    name = "cell message buses"

    def __init__(
        self,
        conf: Config,
        default: rpc.Transport,
        cell_mappings: CellMappingRepository,
        options: rpc.RabbitOptions | None = None,
    ) -> None:
        self._default_url = conf.DEFAULT.transport_url
        self._timeout = conf.DEFAULT.rpc_response_timeout
        self._cell_mappings = cell_mappings
        self._options = options
        self._default = ComputeAPI(default, timeout=self._timeout)
        self._apis: dict[str, ComputeAPI] = {self._default_url: self._default}
        self._opened: list[rpc.Transport] = []

    async def start(self) -> None:
        for cell in await self._cell_mappings.list_all():
            url = _usable(cell.transport_url)
            if url is None or url in self._apis:
                continue
            transport = rpc.get_transport(url, self._options)
            await transport.connect(timeout=self._timeout)
            self._opened.append(transport)
            self._apis[url] = ComputeAPI(transport, timeout=self._timeout)
            LOG.info("connected to the message bus of cell %s", cell.name or cell.uuid)

    async def stop(self, grace: float) -> None:
        for transport in self._opened:
            await transport.close()
        self._opened.clear()

    def compute_api_for(self, cell: CellMapping) -> ComputeAPI:
        """The compute RPC client on ``cell``'s bus."""
        return self.compute_api_for_url(cell.transport_url)

    def compute_api_for_url(self, transport_url: str | None) -> ComputeAPI:
        """The compute RPC client on the bus at ``transport_url`` (a cell mapping's)."""
        url = _usable(transport_url)
        api = self._apis.get(url) if url else self._default
        if api is None:
            LOG.warning(
                "the bus of a cell created after this service started is not connected; "
                "casting on the default bus until the service is restarted"
            )
            return self._default
        return api


def _usable(transport_url: str | None) -> str | None:
    """``transport_url`` unless it is empty or cell0's ``none:///``."""
    if not transport_url or transport_url.startswith("none:"):
        return None
    return transport_url

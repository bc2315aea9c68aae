"""The scheduler's RPC contract.

Version history of the ``scheduler`` topic's API:

* 1.0 - ``select_destinations``.
"""

from __future__ import annotations

from novalite.context import RequestContext
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.rpc.client import DEFAULT_TIMEOUT, RpcClient
from novalite.rpc.transport import Transport

TOPIC = "scheduler"
VERSION = "1.0"


class SchedulerAPI:
    """Client stub for the scheduler (any scheduler process on the topic may answer)."""

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        version_cap: str | None = None,
    ) -> None:
        self._client = RpcClient(
            transport, TOPIC, version=VERSION, timeout=timeout, version_cap=version_cap
        )

    async def select_destinations(
        self,
        ctx: RequestContext,
        request_spec: RequestSpec,
        instance_uuids: list[str],
        *,
        return_alternates: bool = True,
    ) -> list[list[Selection]]:
        """Choose and claim (in placement) a host for each instance.

        Returns, per instance and in ``instance_uuids`` order, the selected host followed
        by its alternates (same cell, not claimed). Raises
        :class:`~novalite.errors.NoValidHost` when an instance fits nowhere; nothing stays
        claimed then.
        """
        result: list[list[Selection]] = await self._client.call(
            ctx,
            "select_destinations",
            request_spec=request_spec,
            instance_uuids=instance_uuids,
            return_alternates=return_alternates,
        )
        return result

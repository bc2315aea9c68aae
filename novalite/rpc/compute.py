"""The compute hosts' RPC contract: what the API and the conductor ask of one host.

Every method is a cast to ``compute.<host>`` on the bus of the instance's cell; the
compute reports progress by updating the instance through the conductor.

Version history of the ``compute`` topic's API:

* 1.0 - ``build_and_run_instance``, ``stop_instance``, ``start_instance``,
  ``reboot_instance``, ``terminate_instance``.
"""

from __future__ import annotations

from novalite.context import RequestContext
from novalite.domain.instance import Instance
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from novalite.rpc.client import DEFAULT_TIMEOUT, RpcClient
from novalite.rpc.transport import Transport

TOPIC = "compute"
VERSION = "1.0"

REBOOT_SOFT = "SOFT"
REBOOT_HARD = "HARD"


class ComputeAPI:
    """Client stub for compute hosts; each call names the host that owns the instance."""

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

    def _host(self, host: str) -> RpcClient:
        return self._client.prepare(server=host)

    async def build_and_run_instance(
        self,
        ctx: RequestContext,
        host: str,
        *,
        instance: Instance,
        request_spec: RequestSpec,
        selection: Selection,
        alternates: list[Selection],
    ) -> None:
        """Build ``instance`` on ``host`` (its allocation in ``selection`` is already claimed).

        ``alternates`` are what the conductor may reschedule to if the build fails.
        """
        await self._host(host).cast(
            ctx,
            "build_and_run_instance",
            instance=instance,
            request_spec=request_spec,
            selection=selection,
            alternates=alternates,
        )

    async def stop_instance(self, ctx: RequestContext, instance: Instance) -> None:
        """Power the guest off (the API set task_state ``powering-off``)."""
        await self._host(_owner(instance)).cast(ctx, "stop_instance", instance=instance)

    async def start_instance(self, ctx: RequestContext, instance: Instance) -> None:
        """Power the guest on (the API set task_state ``powering-on``)."""
        await self._host(_owner(instance)).cast(ctx, "start_instance", instance=instance)

    async def reboot_instance(
        self, ctx: RequestContext, instance: Instance, reboot_type: str
    ) -> None:
        """Reboot the guest, ``SOFT`` or ``HARD`` (the API set the matching task_state)."""
        await self._host(_owner(instance)).cast(
            ctx, "reboot_instance", instance=instance, reboot_type=reboot_type
        )

    async def terminate_instance(self, ctx: RequestContext, instance: Instance) -> None:
        """Destroy the guest, free its allocations and mark the instance deleted."""
        await self._host(_owner(instance)).cast(ctx, "terminate_instance", instance=instance)


def _owner(instance: Instance) -> str:
    if not instance.host:
        raise ValueError(f"instance {instance.uuid} has no host to send to")
    return instance.host

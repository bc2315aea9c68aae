"""The fake driver: guests that exist only in memory, on a node of any size."""

from __future__ import annotations

from typing import ClassVar

from novalite.virt.driver import ComputeDriver, NodeResources


class FakeDriver(ComputeDriver):
    """A hypervisor simulated in memory (``compute_driver = fake.FakeDriver``).

    Its node is large by default (as nova's fake driver) so that scheduling,
    not capacity, is what a test exercises; pass sizes to model a real host.
    """

    capabilities: ClassVar[dict[str, bool]] = {
        "supports_attach_interface": True,
        "supports_device_tagging": True,
        "supports_multiattach": True,
        "supports_image_type_qcow2": True,
        "supports_image_type_raw": True,
    }

    def __init__(
        self,
        *,
        nodename: str | None = None,
        vcpus: int = 1000,
        memory_mb: int = 800_000,
        local_gb: int = 600_000,
    ) -> None:
        self._nodename = nodename
        self._vcpus = vcpus
        self._memory_mb = memory_mb
        self._local_gb = local_gb
        self._host: str | None = None
        self._guests: dict[str, object] = {}

    async def init_host(self, host: str) -> None:
        self._host = host
        if self._nodename is None:
            self._nodename = host

    async def cleanup_host(self) -> None:
        self._guests.clear()

    async def get_available_nodes(self) -> list[str]:
        return [self._node()]

    async def get_available_resource(self, nodename: str) -> NodeResources:
        return NodeResources(
            hypervisor_hostname=nodename,
            hypervisor_type="fake",
            hypervisor_version=1000,
            vcpus=self._vcpus,
            memory_mb=self._memory_mb,
            local_gb=self._local_gb,
        )

    async def list_instance_uuids(self) -> list[str]:
        return list(self._guests)

    def _node(self) -> str:
        if self._nodename is None:
            raise RuntimeError("init_host() has not been called")
        return self._nodename

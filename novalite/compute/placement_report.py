"""Reporting a compute node to placement: its provider, inventories and traits.

Only changes are written: the last inventory and traits seen in placement are
cached per provider, so the periodic resource update costs no request while
nothing changes. A failed write forgets the provider, so the next report
starts over from what placement holds.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from typing import Any

from novalite.clients.placement import TRAITS, PlacementClient
from novalite.compute.claims import AllocationRatios, ReservedResources
from novalite.context import RequestContext
from novalite.domain.compute_node import ComputeNode
from novalite.errors import NovaliteError
from novalite.virt.driver import CAPABILITY_TRAITS

LOG = logging.getLogger(__name__)

COMPUTE_NODE_TRAIT = "COMPUTE_NODE"
COMPUTE_STATUS_DISABLED = "COMPUTE_STATUS_DISABLED"

#: Traits this service decides on; any other trait of the provider (an operator's) is kept.
MANAGED_TRAITS = frozenset(
    {*CAPABILITY_TRAITS.values(), COMPUTE_NODE_TRAIT, COMPUTE_STATUS_DISABLED}
)

_INVENTORY_FIELDS = ("total", "reserved", "min_unit", "max_unit", "step_size", "allocation_ratio")


def node_inventories(
    node: ComputeNode, ratios: AllocationRatios, reserved: ReservedResources
) -> dict[str, dict[str, Any]]:
    """The VCPU/MEMORY_MB/DISK_GB inventories of ``node`` (classes with no total left out)."""
    rows = (
        ("VCPU", node.vcpus, reserved.cpus, ratios.cpu),
        ("MEMORY_MB", node.memory_mb, reserved.memory_mb, ratios.ram),
        ("DISK_GB", node.local_gb, reserved.disk_gb, ratios.disk),
    )
    return {
        rc: {
            "total": total,
            "reserved": reserved_amount,
            "min_unit": 1,
            "max_unit": total,
            "step_size": 1,
            "allocation_ratio": float(ratio),
        }
        for rc, total, reserved_amount, ratio in rows
        if total > 0
    }


def _comparable(inventories: Mapping[str, Mapping[str, Any]]) -> dict[str, tuple[Any, ...]]:
    return {
        rc: tuple(float(inv.get(f, 0)) for f in _INVENTORY_FIELDS)
        for rc, inv in inventories.items()
    }


class ProviderReporter:
    """Keeps the placement providers of one host's nodes in step with the nodes."""

    def __init__(
        self,
        placement: PlacementClient,
        ratios: AllocationRatios,
        reserved: ReservedResources,
    ) -> None:
        self._placement = placement
        self._ratios = ratios
        self._reserved = reserved
        self._inventories: dict[str, dict[str, tuple[Any, ...]]] = {}
        self._traits: dict[str, frozenset[str]] = {}

    async def report(
        self,
        ctx: RequestContext,
        node: ComputeNode,
        driver_traits: Collection[str],
        *,
        disabled: bool = False,
    ) -> None:
        """Ensure ``node``'s provider exists, then write what changed of its inventory/traits."""
        rp_uuid = node.uuid
        try:
            if rp_uuid not in self._traits:
                await self._load(ctx, rp_uuid, node.hypervisor_hostname)
            await self._sync_inventory(ctx, node)
            await self._sync_traits(ctx, rp_uuid, driver_traits, disabled)
        except NovaliteError:
            self.forget(rp_uuid)
            raise

    def forget(self, rp_uuid: str) -> None:
        """Drop what is cached of a provider: the next report reads placement again."""
        self._inventories.pop(rp_uuid, None)
        self._traits.pop(rp_uuid, None)
        self._placement.forget(rp_uuid)

    async def _load(self, ctx: RequestContext, rp_uuid: str, name: str) -> None:
        await self._placement.ensure_provider(rp_uuid, name, context=ctx)
        inventory = await self._placement.get_inventory(rp_uuid, context=ctx)
        self._inventories[rp_uuid] = _comparable(inventory.get("inventories", {}))
        path = f"/resource_providers/{rp_uuid}/traits"
        response = await self._placement.session.get(path, microversion=TRAITS, context=ctx)
        traits: list[str] = response.json().get("traits", []) if response.status_code == 200 else []
        self._traits[rp_uuid] = frozenset(traits)
        LOG.info("resource provider %s (%s) known to placement", name, rp_uuid)

    async def _sync_inventory(self, ctx: RequestContext, node: ComputeNode) -> None:
        wanted = node_inventories(node, self._ratios, self._reserved)
        comparable = _comparable(wanted)
        if self._inventories.get(node.uuid) == comparable:
            return
        await self._placement.set_inventory(node.uuid, wanted, context=ctx)
        self._inventories[node.uuid] = comparable
        LOG.debug("inventory of provider %s updated: %s", node.uuid, wanted)

    async def _sync_traits(
        self, ctx: RequestContext, rp_uuid: str, driver_traits: Collection[str], disabled: bool
    ) -> None:
        current = self._traits.get(rp_uuid, frozenset())
        ours = {COMPUTE_NODE_TRAIT, *driver_traits}
        if disabled:
            ours.add(COMPUTE_STATUS_DISABLED)
        wanted = frozenset(ours | (current - MANAGED_TRAITS))
        if wanted == current:
            return
        await self._placement.set_traits(rp_uuid, wanted, context=ctx)
        self._traits[rp_uuid] = wanted
        LOG.debug("traits of provider %s updated: %s", rp_uuid, sorted(wanted))

"""Request specs: everything the scheduler needs to place the instances of one request."""

from __future__ import annotations

import dataclasses
from typing import Any

from novalite.domain.base import DomainObject
from novalite.domain.flavor import Flavor
from novalite.domain.server_group import ServerGroup


@dataclasses.dataclass(kw_only=True, eq=False)
class Destination(DomainObject):
    """A requested destination (admin boot to a host/node, or a targeted move)."""

    VERSION = "1.0"

    host: str | None = None
    node: str | None = None
    cell_uuid: str | None = None
    aggregates: list[str] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(kw_only=True, eq=False)
class RequestSpec(DomainObject):
    """nova's RequestSpec, flattened: flavor essentials, image properties, hints, group.

    ``swap`` is in MB as in a flavor; ``root_gb``/``ephemeral_gb`` in GB. ``root_required``,
    ``root_forbidden`` and ``member_of`` are what request filters add to the placement query
    (``COMPUTE_STATUS_DISABLED`` is always forbidden by the scheduler itself).
    """

    VERSION = "1.0"

    instance_uuid: str
    instance_uuids: list[str] = dataclasses.field(default_factory=list)
    num_instances: int = 1
    project_id: str | None = None
    user_id: str | None = None
    flavor_id: str | None = None
    flavor_name: str | None = None
    vcpus: int = 0
    memory_mb: int = 0
    root_gb: int = 0
    ephemeral_gb: int = 0
    swap: int = 0
    extra_specs: dict[str, str] = dataclasses.field(default_factory=dict)
    image_id: str | None = None
    image_properties: dict[str, Any] = dataclasses.field(default_factory=dict)
    is_bfv: bool = False
    availability_zone: str | None = None
    scheduler_hints: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    instance_group: ServerGroup | None = None
    ignore_hosts: list[str] = dataclasses.field(default_factory=list)
    force_hosts: list[str] = dataclasses.field(default_factory=list)
    force_nodes: list[str] = dataclasses.field(default_factory=list)
    requested_destination: Destination | None = None
    root_required: list[str] = dataclasses.field(default_factory=list)
    root_forbidden: list[str] = dataclasses.field(default_factory=list)
    member_of: list[list[str]] = dataclasses.field(default_factory=list)

    @staticmethod
    def flavor_fields(flavor: Flavor) -> dict[str, Any]:
        """The fields of a request spec that copy ``flavor``."""
        return {
            "flavor_id": flavor.flavorid,
            "flavor_name": flavor.name,
            "vcpus": flavor.vcpus,
            "memory_mb": flavor.memory_mb,
            "root_gb": flavor.root_gb,
            "ephemeral_gb": flavor.ephemeral_gb,
            "swap": flavor.swap,
            "extra_specs": dict(flavor.extra_specs),
        }

    def flavor(self) -> Flavor:
        """The flavor the spec copied (as far as :meth:`flavor_fields` keeps it)."""
        return Flavor(
            flavorid=self.flavor_id or "",
            name=self.flavor_name or "",
            vcpus=self.vcpus,
            memory_mb=self.memory_mb,
            root_gb=self.root_gb,
            ephemeral_gb=self.ephemeral_gb,
            swap=self.swap,
            extra_specs=dict(self.extra_specs),
        )

    def hint(self, name: str) -> list[str]:
        """A scheduler hint as a list (``different_host``, ``same_host``, ``group``...)."""
        value: Any = self.scheduler_hints.get(name) or []
        if isinstance(value, str):
            return [value]
        return [str(v) for v in value]

    @property
    def all_instance_uuids(self) -> list[str]:
        """The instances of the request: ``instance_uuids``, else ``instance_uuid``."""
        return list(self.instance_uuids) or [self.instance_uuid]

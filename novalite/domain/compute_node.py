"""Compute nodes: a hypervisor's resources as its compute service reports them."""

from __future__ import annotations

import dataclasses
import datetime
import uuid as uuidlib

from novalite.domain.base import DomainObject


@dataclasses.dataclass(kw_only=True, eq=False)
class ComputeNode(DomainObject):
    """One hypervisor node managed by a compute service (nova's compute_nodes row)."""

    VERSION = "1.0"

    id: int | None = None
    uuid: str = dataclasses.field(default_factory=lambda: str(uuidlib.uuid4()))
    service_id: int | None = None
    host: str
    hypervisor_hostname: str
    hypervisor_type: str = "fake"
    hypervisor_version: int = 0
    vcpus: int = 0
    memory_mb: int = 0
    local_gb: int = 0
    vcpus_used: int = 0
    memory_mb_used: int = 0
    local_gb_used: int = 0
    free_ram_mb: int = 0
    free_disk_gb: int = 0
    running_vms: int = 0
    cpu_info: str = "{}"
    host_ip: str | None = None
    cpu_allocation_ratio: float = 4.0
    ram_allocation_ratio: float = 1.0
    disk_allocation_ratio: float = 1.0
    mapped: bool = False
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None

"""Builders for placement candidate bodies, host facts and request specs (no I/O)."""

from __future__ import annotations

import dataclasses
from typing import Any

from novalite.domain.request_spec import RequestSpec
from novalite.scheduler.host_state import HostFacts, HostState


@dataclasses.dataclass
class FakeNode:
    """One compute node: its placement capacity/usage and its facts."""

    name: str
    vcpus: int = 16
    memory_mb: int = 32768
    disk_gb: int = 500
    used_vcpus: int = 0
    used_memory_mb: int = 0
    used_disk_gb: int = 0
    traits: tuple[str, ...] = ("COMPUTE_NODE",)
    cell_uuid: str = "cell1"
    facts_kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def uuid(self) -> str:
        return f"rp-{self.name}"

    def facts(self) -> HostFacts:
        return HostFacts(
            uuid=self.uuid,
            host=self.name,
            nodename=self.name,
            cell_uuid=self.cell_uuid,
            **self.facts_kwargs,
        )

    def summary(self) -> dict[str, Any]:
        return {
            "resources": {
                "VCPU": {"capacity": self.vcpus, "used": self.used_vcpus},
                "MEMORY_MB": {"capacity": self.memory_mb, "used": self.used_memory_mb},
                "DISK_GB": {"capacity": self.disk_gb, "used": self.used_disk_gb},
            },
            "traits": list(self.traits),
            "parent_provider_uuid": None,
            "root_provider_uuid": self.uuid,
        }


def candidates(nodes: list[FakeNode], resources: dict[str, int]) -> dict[str, Any]:
    """A ``GET /allocation_candidates`` body offering every node for ``resources``."""
    return {
        "allocation_requests": [
            {"allocations": {n.uuid: {"resources": dict(resources)}}, "mappings": {"": [n.uuid]}}
            for n in nodes
        ],
        "provider_summaries": {n.uuid: n.summary() for n in nodes},
    }


def spec(**kwargs: Any) -> RequestSpec:
    """A one-instance request for a 1 vCPU / 512 MB / 1 GB flavor unless told otherwise."""
    values: dict[str, Any] = {
        "instance_uuid": "inst-1",
        "vcpus": 1,
        "memory_mb": 512,
        "root_gb": 1,
        "project_id": "p",
        "user_id": "u",
    }
    values.update(kwargs)
    return RequestSpec(**values)


def host(name: str = "h1", **facts: Any) -> HostState:
    """A bare host state with ``facts`` and no placement data."""
    instances = facts.pop("instances", frozenset())
    return HostState(
        facts=HostFacts(uuid=f"rp-{name}", host=name, nodename=name, **facts),
        instances=set(instances),
        failed_builds=facts.get("failed_builds", 0),
    )

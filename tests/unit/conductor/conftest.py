"""A super-conductor wired to in-memory fakes."""

from __future__ import annotations

import dataclasses
import uuid as uuidlib
from typing import Any

import pytest

from novalite.conductor.assembly import SuperConductor, super_conductor
from novalite.context import RequestContext
from novalite.domain.instance import BuildRequest, Instance, InstanceMapping
from novalite.domain.request_spec import RequestSpec
from novalite.domain.selection import Selection
from tests.unit.conductor.fakes import (
    FakeBuildRequests,
    FakeCells,
    FakeCompute,
    FakeGroups,
    FakeMappings,
    FakePlacement,
    FakeScheduler,
)

HOSTS = ("host1", "host2", "host3")


@dataclasses.dataclass
class Rig:
    cells: FakeCells
    build_requests: FakeBuildRequests
    mappings: FakeMappings
    groups: FakeGroups
    placement: FakePlacement
    scheduler: FakeScheduler
    compute: FakeCompute
    conductor: SuperConductor
    ctx: RequestContext = dataclasses.field(
        default_factory=lambda: RequestContext(user_id="alice", project_id="proj")
    )

    def request(self, count: int = 1) -> tuple[RequestSpec, list[str]]:
        """Build requests and mappings for ``count`` new servers, and their spec."""
        uuids = [str(uuidlib.uuid4()) for _ in range(count)]
        for n, uuid in enumerate(uuids):
            instance = Instance(
                uuid=uuid, user_id="alice", project_id="proj", display_name=f"vm{n}"
            )
            self.build_requests.rows[uuid] = BuildRequest(
                instance_uuid=uuid, project_id="proj", instance=instance, tags=["t"]
            )
            self.mappings.rows[uuid] = InstanceMapping(instance_uuid=uuid, project_id="proj")
        spec = RequestSpec(instance_uuid=uuids[0], instance_uuids=uuids, num_instances=count)
        return spec, uuids

    def selection(self, uuid: str, host: str, **kw: Any) -> Selection:
        return Selection(
            instance_uuid=uuid,
            service_host=host,
            nodename=host,
            compute_node_uuid=f"rp-{host}",
            cell_uuid=kw.pop("cell_uuid", self.cells.one.uuid),
            allocation_request={"allocations": {f"rp-{host}": {"resources": {"VCPU": 1}}}},
            **kw,
        )


@pytest.fixture
def rig() -> Rig:
    cells = FakeCells(HOSTS)
    mappings, groups = FakeMappings(), FakeGroups()
    build_requests = FakeBuildRequests(mappings)
    placement = FakePlacement()
    scheduler = FakeScheduler(placement)
    compute = FakeCompute()
    conductor = super_conductor(
        host="conductor1",
        cells=cells,
        build_requests=build_requests,
        instance_mappings=mappings,
        server_groups=groups,
        scheduler=scheduler,  # type: ignore[arg-type]
        compute_api_for=lambda cell: compute,  # type: ignore[arg-type,return-value]
        placement=placement,
    )
    return Rig(cells, build_requests, mappings, groups, placement, scheduler, compute, conductor)

"""DatabaseHostFacts on real SQLite API and cell databases (instances from a fake locator)."""

from __future__ import annotations

import datetime
import pathlib
from collections.abc import AsyncIterator, Collection

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.models import api as api_models
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories import (
    CellMappingRepository,
    ComputeNodeRepository,
    HostMappingRepository,
    ServiceRepository,
)
from novalite.domain.cell import CellMapping, HostMapping
from novalite.domain.compute_node import ComputeNode
from novalite.domain.service import Service
from novalite.scheduler.host_facts import DatabaseHostFacts, InstanceLocator


class Locator:
    def __init__(self) -> None:
        self.hosts: dict[str, str] = {}
        self.calls: list[str] = []

    async def hosts_of(self, uuids: Collection[str]) -> dict[str, str]:
        self.calls.append("hosts_of")
        return {u: self.hosts[u] for u in uuids if u in self.hosts}

    async def uuids_by_host(self, hosts: Collection[str] | None = None) -> dict[str, set[str]]:
        self.calls.append("uuids_by_host")
        result: dict[str, set[str]] = {}
        for uuid, host in self.hosts.items():
            if hosts is None or host in hosts:
                result.setdefault(host, set()).add(uuid)
        return result


class Env:
    def __init__(self, tmp: pathlib.Path, api_db: Database, registry: DatabaseRegistry) -> None:
        self.tmp, self.api_db, self.registry = tmp, api_db, registry
        self.cells: dict[str, str] = {}
        self.locator = Locator()

    async def cell(self, name: str, *, disabled: bool = False) -> str:
        url = f"sqlite:///{self.tmp}/{name}.sqlite"
        await migrate.sync(url, "cell")
        cell = await CellMappingRepository(self.api_db).create(
            CellMapping(
                name=name, transport_url="inproc://", database_connection=url, disabled=disabled
            )
        )
        self.cells[name] = cell.uuid
        return cell.uuid

    def db(self, cell: str) -> Database:
        return self.registry.get(f"sqlite:///{self.tmp}/{cell}.sqlite")

    async def host(
        self,
        name: str,
        cell: str = "cell1",
        *,
        service: Service | None = None,
        mapped: bool = True,
        with_service: bool = True,
    ) -> str:
        if with_service:
            svc = service or Service(host=name, binary="nova-compute", topic="compute")
            svc.last_seen_up = svc.last_seen_up or datetime.datetime.now(datetime.UTC)
            await ServiceRepository(self.db(cell)).create(svc)
        node = await ComputeNodeRepository(self.db(cell)).create(
            ComputeNode(host=name, hypervisor_hostname=f"{name}.node", hypervisor_type="QEMU")
        )
        if mapped:
            await HostMappingRepository(self.api_db).create(
                HostMapping(host=name, cell_uuid=self.cells[cell])
            )
        return node.uuid

    def facts(self, *, ttl: float = 1.0, miss_refresh: float = 0.1) -> DatabaseHostFacts:
        def locator(db: Database, cell_uuid: str) -> InstanceLocator:
            return self.locator

        return DatabaseHostFacts(
            self.api_db, self.registry.get, instances=locator, ttl=ttl, miss_refresh=miss_refresh
        )

    async def aggregate(self, name: str, hosts: list[str], **metadata: str) -> None:
        async def insert(session: AsyncSession) -> None:
            agg = api_models.Aggregate(uuid=f"uuid-{name}", name=name)
            session.add(agg)
            await session.flush()
            for host in hosts:
                session.add(api_models.AggregateHost(host=host, aggregate_id=agg.id))
            for key, value in metadata.items():
                session.add(api_models.AggregateMetadata(key=key, value=value, aggregate_id=agg.id))

        await self.api_db.write(insert)


@pytest.fixture
async def env(tmp_path: pathlib.Path) -> AsyncIterator[Env]:
    url = f"sqlite:///{tmp_path}/api.sqlite"
    await migrate.sync(url, "api")
    api_db, registry = Database(url), DatabaseRegistry()
    environment = Env(tmp_path, api_db, registry)
    await environment.cell("cell1")
    yield environment
    await registry.dispose_all()
    await api_db.dispose()


async def test_facts_of_nodes_with_services_cells_and_aggregates(env: Env) -> None:
    await env.cell("cell2")
    up = await env.host("up")
    stale = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=600)
    down = await env.host(
        "down", service=Service(host="down", binary="nova-compute", last_seen_up=stale)
    )
    off = await env.host(
        "off",
        "cell2",
        service=Service(host="off", binary="nova-compute", disabled=True, disabled_reason="maint"),
    )
    orphan = await env.host("orphan", with_service=False)
    unmapped = await env.host("unmapped", mapped=False)
    await env.aggregate("a1", ["up", "off"], availability_zone="az1", ram_weight_multiplier="2")
    await env.aggregate("a2", ["up"], availability_zone="az2")

    facts = await env.facts().get_facts([up, down, off, orphan, unmapped, "unknown-rp"])
    by_host = {f.host: f for f in facts}
    assert [f.uuid for f in facts] == [up, down, off, orphan]
    assert by_host["up"].nodename == "up.node"
    assert by_host["up"].cell_uuid == env.cells["cell1"]
    assert by_host["off"].cell_uuid == env.cells["cell2"]
    assert by_host["up"].service_up and not by_host["up"].service_disabled
    assert by_host["up"].hypervisor_type == "QEMU"
    assert not by_host["down"].service_up
    assert by_host["off"].service_disabled and by_host["off"].disabled_reason == "maint"
    assert not by_host["orphan"].service_up
    assert by_host["up"].aggregate_metadata == {
        "availability_zone": frozenset({"az1", "az2"}),
        "ram_weight_multiplier": frozenset({"2"}),
    }
    assert by_host["down"].aggregate_metadata == {}
    assert await env.facts().zone_aggregates("az1") == ["uuid-a1"]
    assert await env.facts().zone_aggregates("nowhere") == []


async def test_disabled_cells_are_not_scheduled_to(env: Env) -> None:
    await env.cell("closed", disabled=True)
    node = await env.host("h", "closed")
    assert await env.facts().get_facts([node]) == []


async def test_instances_all_of_them_or_only_those_asked(env: Env) -> None:
    h1, h2 = await env.host("h1"), await env.host("h2")
    env.locator.hosts = {"i1": "h1", "i2": "h1", "i3": "h2", "elsewhere": "h9"}
    source = env.facts()
    every = {f.host: f.instances for f in await source.get_facts([h1, h2])}
    assert every == {"h1": {"i1", "i2"}, "h2": {"i3"}}
    asked = {f.host: f.instances for f in await source.get_facts([h1, h2], instance_uuids={"i2"})}
    assert asked == {"h1": {"i2"}, "h2": frozenset()}
    env.locator.calls.clear()
    await source.get_facts([h1, h2], instance_uuids=())
    assert env.locator.calls == []


async def test_snapshot_is_reused_within_ttl_and_retaken_for_a_new_node(env: Env) -> None:
    first = await env.host("h1")
    cached = env.facts(ttl=60, miss_refresh=0)
    fresh = env.facts(ttl=0)
    assert [f.service_disabled for f in await cached.get_facts([first])] == [False]
    services = ServiceRepository(env.db("cell1"))
    (service,) = await services.list(host="h1")
    service.disabled = True
    await services.save(service)
    assert [f.service_disabled for f in await cached.get_facts([first])] == [False]
    assert [f.service_disabled for f in await fresh.get_facts([first])] == [True]
    # a node the snapshot does not know yet makes it be taken again at once
    second = await env.host("h2")
    facts = await cached.get_facts([first, second])
    assert [(f.host, f.service_disabled) for f in facts] == [("h1", True), ("h2", False)]

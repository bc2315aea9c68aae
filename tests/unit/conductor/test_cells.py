"""CellDirectory: which cell a selection goes to, and the stores it hands out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from novalite.conductor.cells import CellDirectory
from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.host_mappings import HostMappingRepository
from novalite.domain.cell import CELL0_UUID, CellMapping, HostMapping
from novalite.errors import HostMappingNotFound


class Store:
    def __init__(self, db: Database, cell_uuid: str | None = None) -> None:
        self.db, self.cell_uuid = db, cell_uuid


@pytest.fixture
async def directory(sqlite_url: str) -> AsyncIterator[tuple[CellDirectory, dict[str, Any]]]:
    await migrate.sync(sqlite_url, "api")
    db = Database(sqlite_url)
    cells = CellMappingRepository(db)
    zero = await cells.create(
        CellMapping(
            uuid=CELL0_UUID, name="cell0", transport_url="", database_connection="sqlite:///c0"
        )
    )
    one = await cells.create(
        CellMapping(name="cell1", transport_url="", database_connection="sqlite:///c1")
    )
    hosts = HostMappingRepository(db)
    await hosts.create(HostMapping(host="h1", cell_uuid=one.uuid))
    registry = DatabaseRegistry()
    factory: Any = Store
    directory = CellDirectory(cells, hosts, registry, instance_store=factory, action_store=factory)
    yield directory, {"zero": zero, "one": one, "registry": registry}
    await registry.dispose_all()
    await db.dispose()


async def test_selection_cell_or_the_host_mapping(
    directory: tuple[CellDirectory, dict[str, Any]],
) -> None:
    cells, known = directory
    assert (await cells.for_selection(known["one"].uuid, "anything")).uuid == known["one"].uuid
    assert (await cells.for_selection(None, "h1")).uuid == known["one"].uuid
    assert (await cells.for_selection("no-such-cell", "h1")).uuid == known["one"].uuid
    with pytest.raises(HostMappingNotFound):
        await cells.for_selection(None, "h2")
    assert (await cells.cell0()).is_cell0
    assert [c.name for c in await cells.all()] == ["cell0", "cell1"]


async def test_stores_share_one_database_per_cell(
    directory: tuple[CellDirectory, dict[str, Any]],
) -> None:
    cells, known = directory
    one = known["one"]
    first, second = cells.instances(one), cells.instances(one)
    assert first.db is second.db  # type: ignore[attr-defined]
    assert first.cell_uuid == one.uuid  # type: ignore[attr-defined]
    assert cells.actions(one).db is first.db  # type: ignore[attr-defined]
    assert cells.instances(known["zero"]).db is not first.db  # type: ignore[attr-defined]
    assert len(known["registry"]) == 2

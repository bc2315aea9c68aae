"""FlavorRepository against SQLite, PostgreSQL and MariaDB (``db`` fixture)."""

from __future__ import annotations

from typing import Any

import pytest

from novalite.db.engine import Database
from novalite.db.repositories.flavors import FlavorFilters, FlavorRepository
from novalite.domain.flavor import Flavor
from novalite.errors import FlavorExists, FlavorNotFound


def _flavor(flavorid: str, name: str, **kw: Any) -> Flavor:
    return Flavor(flavorid=flavorid, name=name, memory_mb=512, vcpus=1, **kw)


async def test_flavor_get_round_trip(db: Database) -> None:
    repo = FlavorRepository(db)
    created = await repo.create(
        _flavor("1", "tiny", root_gb=1, swap=64, extra_specs={"hw:cpu": "2", "a": "b"})
    )
    assert created.id is not None and created.created_at is not None
    got = await repo.get("1")
    assert got == created and got.changes() == {}
    assert got.extra_specs == {"hw:cpu": "2", "a": "b"}
    assert (got.root_gb, got.swap, got.rxtx_factor, got.is_public) == (1, 64, 1.0, True)
    await repo.create(_flavor("2", "plain"))
    assert (await repo.get("2")).extra_specs == {}
    with pytest.raises(FlavorNotFound):
        await repo.get("nope")
    with pytest.raises(FlavorExists):
        await repo.create(_flavor("3", "tiny"))


async def test_flavor_changes_are_read_back(db: Database) -> None:
    repo = FlavorRepository(db)
    await repo.create(_flavor("1", "tiny", extra_specs={"a": "b"}))
    await repo.create(_flavor("2", "small", extra_specs={"c": "d"}))
    assert (await repo.update_description("1", "desc")).description == "desc"
    assert await repo.update_extra_specs("1", {"a": "x", "e": "f"}) == {"a": "x", "e": "f"}
    await repo.delete_extra_spec("2", "c")
    listed = await repo.list(FlavorFilters(is_public=None))
    assert [(f.flavorid, f.extra_specs) for f in listed] == [
        ("1", {"a": "x", "e": "f"}),
        ("2", {}),
    ]
    assert await repo.get("1") == listed[0]
    await repo.destroy("1")
    with pytest.raises(FlavorNotFound):
        await repo.get("1")

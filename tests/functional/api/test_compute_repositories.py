"""The flavor and key pair repositories on every supported database."""

from __future__ import annotations

import pytest

from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.repositories.flavors import FlavorFilters, FlavorRepository
from novalite.db.repositories.keypairs import KeyPairRepository
from novalite.domain.flavor import Flavor
from novalite.domain.keypair import KeyPair
from novalite.errors import (
    FlavorAccessExists,
    FlavorExists,
    FlavorIdExists,
    KeyPairExists,
    KeypairNotFound,
    MarkerNotFound,
)


async def test_flavors_and_keypairs(any_db_url: str) -> None:
    await migrate.sync(any_db_url, "api")
    async with Database(any_db_url) as db:
        flavors = FlavorRepository(db)
        for n in range(3):
            await flavors.create(
                Flavor(flavorid=str(n), name=f"f{n}", memory_mb=512 * (n + 1), vcpus=1)
            )
        private = Flavor(flavorid="p", name="p", memory_mb=1, vcpus=1, is_public=False)
        private.extra_specs = {"Key": "1", "key": "2"}
        stored = await flavors.create(private)
        assert stored.extra_specs == {"Key": "1", "key": "2"}
        with pytest.raises(FlavorExists):
            await flavors.create(Flavor(flavorid="x", name="f0", memory_mb=1, vcpus=1))
        with pytest.raises(FlavorIdExists):
            await flavors.create(Flavor(flavorid="0", name="new", memory_mb=1, vcpus=1))
        await flavors.add_project("p", "proj")
        with pytest.raises(FlavorAccessExists):
            await flavors.add_project("p", "proj")
        visible = await flavors.list(FlavorFilters(project_id="proj"), limit=2, marker="0")
        assert [f.flavorid for f in visible] == ["1", "2"]
        assert [f.flavorid for f in await flavors.list(FlavorFilters(is_public=False))] == ["p"]
        by_ram = await flavors.list(FlavorFilters(min_memory_mb=1000), sort_key="memory_mb")
        assert [f.flavorid for f in by_ram] == ["1", "2"]
        with pytest.raises(MarkerNotFound):
            await flavors.list(FlavorFilters(), marker="zz")
        await flavors.update_extra_specs("p", {"key": "3"})
        assert (await flavors.get("p")).extra_specs == {"Key": "1", "key": "3"}
        await flavors.destroy("p")

        keypairs = KeyPairRepository(db)
        for name in ("b", "a", "c"):
            await keypairs.create(KeyPair(name=name, user_id="u", public_key="k", fingerprint="f"))
        with pytest.raises(KeyPairExists):
            await keypairs.create(KeyPair(name="a", user_id="u"))
        assert [k.name for k in await keypairs.list("u", limit=2, marker="a")] == ["b", "c"]
        await keypairs.destroy("u", "a")
        with pytest.raises(KeypairNotFound):
            await keypairs.get("u", "a")

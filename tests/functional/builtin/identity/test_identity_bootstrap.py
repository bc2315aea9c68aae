"""Bootstrap idempotency and clouds.yaml."""

from __future__ import annotations

import pathlib
import stat

import yaml

from novalite.builtin.identity import bootstrap, passwords, store, write_clouds_yaml
from novalite.builtin.identity import models as m
from novalite.db.engine import Database


async def test_bootstrap_twice_updates_urls_and_keeps_passwords(tmp_path: pathlib.Path) -> None:
    db = Database(f"sqlite:///{tmp_path}/id.sqlite")
    try:
        first = await bootstrap(
            db,
            base_url="http://h1:8774",
            region="RegionOne",
            admin_password="",
            demo_password="given",
            service_password="",
        )
        assert first.admin_password and len(first.admin_password) >= 16
        assert first.demo_password == "given"
        assert first.service_password
        assert "given" not in repr(first)
        again = await bootstrap(
            db,
            base_url="http://h2:9000/",
            region="RegionOne",
            admin_password="",
            demo_password="",
            service_password="",
        )
        assert again.admin_user_id == first.admin_user_id
        assert again.admin_password is None
        async with db.reader() as session:
            endpoints = await store.list_rows(session, m.Endpoint)
            admin = await store.get(session, m.User, first.admin_user_id)
        assert len(endpoints) == 9  # identity, compute, placement x 3 interfaces
        assert {e.url.split("/")[2] for e in endpoints} == {"h2:9000"}
        assert "http://h2:9000/compute/v2.1" in {e.url for e in endpoints}
        assert await passwords.verify_password(admin.password_hash, first.admin_password)
        third = await bootstrap(
            db,
            base_url="http://h2:9000",
            region="RegionOne",
            admin_password="new-admin",
            demo_password="",
            service_password="",
        )
        assert third.admin_password == "new-admin"
    finally:
        await db.dispose()


def test_clouds_yaml(tmp_path: pathlib.Path) -> None:
    path = tmp_path / "sub" / "clouds.yaml"
    write_clouds_yaml(path, "http://h/identity", "RegionOne", "apw", "dpw")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    clouds = yaml.safe_load(path.read_text())["clouds"]
    admin = clouds["novalite-admin"]
    assert admin["auth"]["project_name"] == "admin"
    assert admin["auth"]["password"] == "apw"
    assert admin["identity_api_version"] == 3
    assert admin["interface"] == "public"
    assert clouds["novalite"]["auth"]["username"] == "demo"
    assert clouds["novalite"]["auth"]["user_domain_name"] == "Default"

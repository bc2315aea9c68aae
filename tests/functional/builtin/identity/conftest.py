"""A running identity service (real HTTP, SQLite in tmp_path) after bootstrap."""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import AsyncIterator

import httpx
import pytest

from novalite.api_common.app import HttpServer, mount_services
from novalite.builtin.identity import (
    BootstrapResult,
    IdentityOptions,
    bootstrap,
    create_identity_app,
    write_clouds_yaml,
)
from novalite.db.engine import Database

from .harness import ADMIN_PASSWORD, DEMO_PASSWORD, SERVICE_PASSWORD, IdentityServer

_TEMPLATE: dict[str, object] = {}


async def _template(factory: pytest.TempPathFactory) -> tuple[pathlib.Path, BootstrapResult]:
    """A bootstrapped database made once per session (argon2 hashing is slow on purpose)."""
    if not _TEMPLATE:
        path = factory.mktemp("identity-template") / "identity.sqlite"
        db = Database(f"sqlite:///{path}")
        try:
            result = await bootstrap(
                db,
                base_url="http://template.invalid",
                region="RegionOne",
                admin_password=ADMIN_PASSWORD,
                demo_password=DEMO_PASSWORD,
                service_password=SERVICE_PASSWORD,
            )
        finally:
            await db.dispose()
        _TEMPLATE.update(path=path, result=result)
    template, made = _TEMPLATE["path"], _TEMPLATE["result"]
    assert isinstance(template, pathlib.Path)
    assert isinstance(made, BootstrapResult)
    return template, made


@pytest.fixture
async def identity(
    tmp_path: pathlib.Path, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[IdentityServer]:
    template, result = await _template(tmp_path_factory)
    shutil.copyfile(template, tmp_path / "identity.sqlite")
    db = Database(f"sqlite:///{tmp_path}/identity.sqlite")
    options = IdentityOptions(key_repository=tmp_path / "fernet-keys")
    app = mount_services({"/identity": create_identity_app(options, db)})
    server = HttpServer("identity", app, "127.0.0.1", 0)
    await server.start()
    try:
        # the real bootstrap again: idempotent, it points the catalog at this server
        await bootstrap(
            db,
            base_url=server.url,
            region="RegionOne",
            admin_password="",
            demo_password="",
            service_password="",
        )
        url = f"{server.url}/identity"
        clouds = tmp_path / "clouds.yaml"
        write_clouds_yaml(clouds, url, "RegionOne", ADMIN_PASSWORD, DEMO_PASSWORD)
        yield IdentityServer(url, db, options, result, clouds)
    finally:
        await server.stop(1)
        await db.dispose()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as c:
        yield c

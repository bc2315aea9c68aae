"""Fixtures of the compute API tests: a migrated API database and HTTP clients."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp

from novalite.api.app import PUBLIC_PATHS, create_compute_app
from novalite.api.microversion import IMPLEMENTED_VERSION
from novalite.api_common.auth import NoAuthMiddleware
from novalite.api_common.microversion import Version
from novalite.db import migrate
from novalite.db.engine import Database

BASE = "http://compute.test"
ADMIN = {"X-Auth-Token": "admin:admin-project"}
MEMBER = {"X-Auth-Token": "alice:alice-project", "X-Roles": "member,reader"}
OTHER = {"X-Auth-Token": "bob:bob-project", "X-Roles": "member,reader"}


def headers(who: dict[str, str], version: str | None = None) -> dict[str, str]:
    """Request headers for ``who`` at microversion ``version``."""
    result = dict(who)
    if version is not None:
        result["OpenStack-API-Version"] = f"compute {version}"
    return result


def make_app(db: Database, *, max_limit: int = 1000, max_version: Version | None = None) -> ASGIApp:
    """The compute app with nova's noauth middleware (``X-Auth-Token: user:project``)."""
    return create_compute_app(
        [Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)],
        db=db,
        max_limit=max_limit,
        max_version=max_version or IMPLEMENTED_VERSION,
    )


@pytest.fixture
async def api_db(sqlite_url: str) -> AsyncIterator[Database]:
    """A migrated API database on SQLite."""
    await migrate.sync(sqlite_url, "api")
    db = Database(sqlite_url)
    yield db
    await db.dispose()


ClientFactory = Callable[..., httpx.AsyncClient]


@pytest.fixture
async def client_factory(api_db: Database) -> AsyncIterator[ClientFactory]:
    """Build clients on apps with other options (``max_limit``, ``max_version``)."""
    clients: list[httpx.AsyncClient] = []

    def build(**options: object) -> httpx.AsyncClient:
        app = make_app(api_db, **options)  # type: ignore[arg-type]
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
        clients.append(client)
        return client

    yield build
    for client in clients:
        await client.aclose()


@pytest.fixture
def client(client_factory: ClientFactory) -> httpx.AsyncClient:
    """A client of the compute API serving up to the implemented microversion."""
    return client_factory()

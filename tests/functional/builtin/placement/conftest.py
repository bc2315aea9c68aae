"""Fixtures of placement's API tests: a prepared database and an HTTP client as admin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.middleware import Middleware
from starlette.types import ASGIApp, Receive, Scope, Send

from novalite.builtin.placement.app import create_placement_app, prepare_placement_db
from novalite.builtin.placement.options import PlacementOptions
from novalite.context import RequestContext
from novalite.db.engine import Database


class AdminContextMiddleware:
    """Test-only auth: every request acts as an admin (``X-Test-Roles`` overrides the roles)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers") or [])
            roles = headers.get(b"x-test-roles", b"admin,service").decode().split(",")
            scope.setdefault("state", {})["context"] = RequestContext(
                user_id="admin-user",
                project_id="admin-project",
                roles=tuple(roles),
                is_admin="admin" in roles,
            )
        await self.app(scope, receive, send)


async def placement_database(url: str) -> Database:
    """A prepared placement database at ``url``."""
    db = Database(url)
    await prepare_placement_db(db)
    return db


@pytest.fixture
async def placement_db(sqlite_url: str) -> AsyncIterator[Database]:
    """A migrated placement database on SQLite."""
    db = await placement_database(sqlite_url)
    yield db
    await db.dispose()


def make_app(db: Database, options: PlacementOptions | None = None) -> ASGIApp:
    """The placement app with the test admin middleware."""
    return create_placement_app(
        options or PlacementOptions(), db, middleware=[Middleware(AdminContextMiddleware)]
    )


@pytest.fixture
async def client(placement_db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of the placement API (base URL ``http://placement``)."""
    transport = httpx.ASGITransport(app=make_app(placement_db))
    async with httpx.AsyncClient(transport=transport, base_url="http://placement") as http:
        yield http


def mv(version: str) -> dict[str, str]:
    """The microversion header for ``version``."""
    return {"OpenStack-API-Version": f"placement {version}"}

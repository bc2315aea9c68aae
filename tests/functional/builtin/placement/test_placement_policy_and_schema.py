"""Policy enforcement and the placement schema's migrations on every backend."""

from __future__ import annotations

import uuid

import httpx

from novalite.builtin.placement.db import schema
from novalite.db import migrate
from tests.functional.builtin.placement.conftest import mv, placement_database


async def test_policy_defaults(client: httpx.AsyncClient) -> None:
    member = {"X-Test-Roles": "member,reader", **mv("1.23")}
    response = await client.get("/resource_providers", headers=member)
    assert response.status_code == 403
    error = response.json()["errors"][0]
    assert error["code"] == "placement.undefined_code" and error["title"] == "Forbidden"
    assert (await client.get("/", headers=member)).status_code == 200
    # project readers see their own project's usages only
    response = await client.get("/usages?project_id=admin-project", headers=member)
    assert response.status_code == 200
    response = await client.get("/usages?project_id=other", headers=member)
    assert response.status_code == 403
    # the reshaper is for services only
    admin_only = {"X-Test-Roles": "admin", **mv("1.30")}
    body = {
        "inventories": {str(uuid.uuid4()): {"inventories": {}, "resource_provider_generation": 0}},
        "allocations": {},
    }
    assert (await client.post("/reshaper", json=body, headers=admin_only)).status_code == 403


async def test_migrations_match_models(any_db_url: str) -> None:
    db = await placement_database(any_db_url)
    try:
        assert await migrate.current_revision(db, schema.SCHEMA) == migrate.head_revision(
            schema.SCHEMA
        )
        assert await migrate.schema_differences(db, schema.SCHEMA) == []
        await migrate.sync(db, schema.SCHEMA)  # idempotent, traits synced once
    finally:
        await db.dispose()

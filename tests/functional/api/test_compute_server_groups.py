"""Server groups over HTTP: create/list/show/delete per microversion, policy, paging."""

from __future__ import annotations

import pathlib
import uuid
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.middleware import Middleware

from novalite.api.app import PUBLIC_PATHS, create_compute_app
from novalite.api.cells import CellRouter
from novalite.api.schemas import handler_schema
from novalite.api_common.auth import NoAuthMiddleware
from novalite.api_common.microversion import Version
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.domain.cell import CellMapping
from novalite.domain.instance import Instance, InstanceMapping
from tests.functional.api.conftest import ADMIN, BASE, MEMBER, OTHER, headers
from tests.sqlite_templates import migrated_sqlite

GROUPS = "/v2.1/os-server-groups"
READER_ONLY = {"X-Auth-Token": "carol:alice-project", "X-Roles": "reader"}


def _check(response: httpx.Response, handler: str, version: str) -> None:
    """The body matches nova's response schema (Draft 2020-12, as nova validates)."""
    found = handler_schema(
        "server_groups", f"ServerGroupController.{handler}", "response_body", Version.parse(version)
    )
    assert found is not None
    body: Any = response.json() if response.content else None
    jsonschema.Draft202012Validator(found).validate(body)


async def _create(
    client: httpx.AsyncClient, spec: dict[str, Any], version: str = "2.1", who: Any = MEMBER
) -> httpx.Response:
    return await client.post(GROUPS, json={"server_group": spec}, headers=headers(who, version))


@pytest.mark.parametrize(
    ("version", "spec"),
    [
        ("2.1", {"name": "g", "policies": ["anti-affinity"]}),
        ("2.13", {"name": "g", "policies": ["affinity"]}),
        ("2.15", {"name": "g", "policies": ["soft-anti-affinity"]}),
        ("2.63", {"name": "g", "policies": ["soft-affinity"]}),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 3}}),
        ("2.64", {"name": "g", "policy": "soft-affinity"}),
        ("2.102", {"name": "g", "policy": "affinity", "rules": {}}),
    ],
)
async def test_every_response_matches_schema(
    client: httpx.AsyncClient, version: str, spec: dict[str, Any]
) -> None:
    created = await _create(client, spec, version)
    assert created.status_code == 200, created.text
    _check(created, "create", version)
    group_id = created.json()["server_group"]["id"]
    member = headers(MEMBER, version)
    listed = await client.get(GROUPS, headers=member)
    _check(listed, "index", version)
    assert [g["id"] for g in listed.json()["server_groups"]] == [group_id]
    shown = await client.get(f"{GROUPS}/{group_id}", headers=member)
    _check(shown, "show", version)
    assert shown.json() == created.json()
    deleted = await client.delete(f"{GROUPS}/{group_id}", headers=member)
    assert deleted.status_code == 204 and deleted.content == b""


async def test_bodies_per_microversion(client: httpx.AsyncClient) -> None:
    r = await _create(client, {"name": "web", "policies": ["affinity"]})
    group = r.json()["server_group"]
    assert group == {
        "id": group["id"],
        "name": "web",
        "policies": ["affinity"],
        "members": [],
        "metadata": {},
    }
    r = await client.get(f"{GROUPS}/{group['id']}", headers=headers(MEMBER, "2.13"))
    assert r.json()["server_group"]["project_id"] == "alice-project"
    assert r.json()["server_group"]["user_id"] == "alice"
    r = await client.get(f"{GROUPS}/{group['id']}", headers=headers(MEMBER, "2.64"))
    assert r.json()["server_group"] == {
        "id": group["id"],
        "name": "web",
        "policy": "affinity",
        "rules": {},
        "members": [],
        "project_id": "alice-project",
        "user_id": "alice",
    }


async def test_rules_are_integers_and_only_for_anti_affinity(client: httpx.AsyncClient) -> None:
    spec = {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": "2"}}
    r = await _create(client, spec, "2.64")
    assert r.json()["server_group"]["rules"] == {"max_server_per_host": 2}
    spec = {"name": "g", "policy": "affinity", "rules": {"max_server_per_host": 2}}
    r = await _create(client, spec, "2.64")
    assert r.status_code == 400
    assert r.json() == {
        "badRequest": {"code": 400, "message": "Only anti-affinity policy supports rules."}
    }


@pytest.mark.parametrize(
    ("version", "spec"),
    [
        ("2.1", {"name": "g", "policies": ["soft-affinity"]}),
        ("2.14", {"name": "g", "policies": ["soft-anti-affinity"]}),
        ("2.1", {"name": "g", "policies": ["bogus"]}),
        ("2.1", {"name": "g", "policies": ["affinity", "anti-affinity"]}),
        ("2.1", {"name": "g", "policies": []}),
        ("2.1", {"name": "", "policies": ["affinity"]}),
        ("2.1", {"name": " g", "policies": ["affinity"]}),
        ("2.1", {"name": "  ", "policies": ["affinity"]}),
        ("2.15", {"name": "g", "policies": ["affinity"], "metadata": {}}),
        ("2.64", {"name": "g", "policies": ["affinity"]}),
        ("2.64", {"name": "g", "policy": "bogus"}),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"max_server_per_host": 0}}),
        ("2.64", {"name": "g", "policy": "anti-affinity", "rules": {"other": 1}}),
    ],
)
async def test_invalid_bodies(client: httpx.AsyncClient, version: str, spec: Any) -> None:
    r = await _create(client, spec, version)
    assert r.status_code == 400, r.text
    assert r.json()["badRequest"]["code"] == 400


async def test_bad_policy_message_is_novas(client: httpx.AsyncClient) -> None:
    r = await _create(client, {"name": "g", "policies": ["bogus"]})
    assert r.json()["badRequest"]["message"] == (
        "Invalid input for field/attribute 0. Value: bogus. "
        "'bogus' is not one of ['anti-affinity', 'affinity']"
    )


async def test_policy_create_and_delete_need_member(client: httpx.AsyncClient) -> None:
    r = await _create(client, {"name": "g", "policies": ["affinity"]}, who=READER_ONLY)
    assert r.status_code == 403
    msg = "Policy doesn't allow os_compute_api:os-server-groups:create to be performed."
    assert r.json() == {"forbidden": {"code": 403, "message": msg}}
    group_id = (await _create(client, {"name": "g", "policies": ["affinity"]})).json()[
        "server_group"
    ]["id"]
    assert (await client.get(f"{GROUPS}/{group_id}", headers=READER_ONLY)).status_code == 200
    r = await client.delete(f"{GROUPS}/{group_id}", headers=READER_ONLY)
    assert r.status_code == 403


async def test_other_projects_groups_are_forbidden(client: httpx.AsyncClient) -> None:
    created = await _create(client, {"name": "g", "policies": ["affinity"]})
    group_id = created.json()["server_group"]["id"]
    assert (await client.get(f"{GROUPS}/{group_id}", headers=OTHER)).status_code == 403
    assert (await client.delete(f"{GROUPS}/{group_id}", headers=OTHER)).status_code == 403
    assert (await client.get(GROUPS, headers=OTHER)).json() == {"server_groups": []}
    assert (await client.get(f"{GROUPS}/{group_id}", headers=ADMIN)).status_code == 200
    assert (await client.delete(f"{GROUPS}/{group_id}", headers=ADMIN)).status_code == 204


async def test_unknown_group_is_404(client: httpx.AsyncClient) -> None:
    missing = str(uuid.uuid4())
    for method in ("GET", "DELETE"):
        r = await client.request(method, f"{GROUPS}/{missing}", headers=MEMBER)
        assert r.status_code == 404
        assert r.json() == {
            "itemNotFound": {
                "code": 404,
                "message": f"Instance group {missing} could not be found.",
            }
        }


async def test_all_projects_is_for_admins(client: httpx.AsyncClient) -> None:
    await _create(client, {"name": "a", "policies": ["affinity"]}, who=MEMBER)
    await _create(client, {"name": "b", "policies": ["affinity"]}, who=OTHER)
    await _create(client, {"name": "c", "policies": ["affinity"]}, who=ADMIN)

    async def names(who: dict[str, str], query: str = "") -> list[str]:
        r = await client.get(GROUPS + query, headers=who)
        assert r.status_code == 200, r.text
        return sorted(g["name"] for g in r.json()["server_groups"])

    assert await names(ADMIN) == ["c"]
    assert await names(ADMIN, "?all_projects=True") == ["a", "b", "c"]
    assert await names(MEMBER, "?all_projects=True") == ["a"]


async def test_limit_and_offset(client: httpx.AsyncClient) -> None:
    for name in "abcde":
        await _create(client, {"name": name, "policies": ["affinity"]})

    async def names(query: str, version: str = "2.1") -> list[str]:
        r = await client.get(GROUPS + query, headers=headers(MEMBER, version))
        assert r.status_code == 200, r.text
        return [g["name"] for g in r.json()["server_groups"]]

    assert await names("") == list("abcde")
    assert await names("?limit=2") == list("ab")
    assert await names("?limit=2&offset=2") == list("cd")
    assert await names("?offset=4") == list("e")
    assert await names("?limit=0") == list("abcde")
    assert await names("?offset=99999999999999999999999") == []
    assert await names("?foo=bar", "2.74") == list("abcde")
    r = await client.get(GROUPS + "?foo=bar", headers=headers(MEMBER, "2.75"))
    assert r.status_code == 400
    r = await client.get(GROUPS + "?limit=-1", headers=MEMBER)
    assert r.status_code == 400


async def test_max_limit_caps_the_list(client_factory: Any) -> None:
    client = client_factory(max_limit=2)
    for name in "abc":
        await _create(client, {"name": name, "policies": ["affinity"]})
    r = await client.get(GROUPS + "?limit=5", headers=MEMBER)
    assert [g["name"] for g in r.json()["server_groups"]] == ["a", "b"]


async def test_members_are_listed(client: httpx.AsyncClient, api_db: Database) -> None:
    created = await _create(client, {"name": "g", "policy": "anti-affinity"}, "2.64")
    group_id = created.json()["server_group"]["id"]
    members = [str(uuid.uuid4()), str(uuid.uuid4())]
    await ServerGroupRepository(api_db).add_members(group_id, members)
    r = await client.get(f"{GROUPS}/{group_id}", headers=headers(MEMBER, "2.64"))
    assert sorted(r.json()["server_group"]["members"]) == sorted(members)
    _check(r, "show", "2.64")


async def test_deleted_and_unmapped_members_are_hidden(api_db: Database, tmp_path: object) -> None:
    cell_url = await migrated_sqlite(pathlib.Path(str(tmp_path)) / "cell1.sqlite", "cell")
    registry = DatabaseRegistry()
    cell = await CellMappingRepository(api_db).create(
        CellMapping(name="cell1", transport_url="inproc:///groups", database_connection=cell_url)
    )
    app = create_compute_app(
        [Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)],
        db=api_db,
        cells=CellRouter(api_db, registry),
    )
    mappings = InstanceMappingRepository(api_db)
    instances = InstanceRepository(registry.get(cell_url), cell.uuid)
    live, deleted, unscheduled, unmapped = (str(uuid.uuid4()) for _ in range(4))
    for server in (live, deleted, unscheduled):
        await mappings.create(InstanceMapping(instance_uuid=server, project_id="alice-project"))
    for server in (live, deleted):
        await instances.create(Instance(uuid=server, project_id="alice-project"))
        await mappings.set_cell(server, cell.uuid)
    await instances.destroy(deleted)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE) as client:
        created = await _create(client, {"name": "g", "policies": ["affinity"]})
        group_id = created.json()["server_group"]["id"]
        members = [live, deleted, unscheduled, unmapped]
        await ServerGroupRepository(api_db).add_members(group_id, members)
        r = await client.get(f"{GROUPS}/{group_id}", headers=MEMBER)
        assert sorted(r.json()["server_group"]["members"]) == sorted([live, unscheduled])
        r = await client.get(GROUPS, headers=MEMBER)
        assert sorted(r.json()["server_groups"][0]["members"]) == sorted([live, unscheduled])
    await registry.dispose_all()

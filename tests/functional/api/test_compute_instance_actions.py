"""Instance actions over HTTP: list/page/filter and show with events, per microversion."""

from __future__ import annotations

import dataclasses
import datetime
import pathlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jsonschema
import pytest
from starlette.middleware import Middleware

from novalite.api.app import PUBLIC_PATHS, create_compute_app
from novalite.api.cells import CellRouter
from novalite.api.microversion import IMPLEMENTED_VERSION
from novalite.api.schemas import handler_schema
from novalite.api.views.instance_actions import host_id
from novalite.api_common.auth import NoAuthMiddleware
from novalite.api_common.microversion import Version
from novalite.db.engine import Database
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.db.repositories.instance_actions import InstanceActionRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.instances import InstanceRepository
from novalite.domain.cell import CellMapping
from novalite.domain.flavor import Flavor
from novalite.domain.instance import BuildRequest, Instance, InstanceAction, InstanceMapping
from tests.functional.api.conftest import ADMIN, BASE, MEMBER, OTHER, headers
from tests.sqlite_templates import migrated_sqlite

PROJECT = "alice-project"


@dataclasses.dataclass
class Env:
    """A compute API over an API database and one cell holding one server of alice's."""

    client: httpx.AsyncClient
    api_db: Database
    cell_db: Database
    cell_uuid: str
    server: str

    @property
    def actions(self) -> InstanceActionRepository:
        return InstanceActionRepository(self.cell_db)

    def path(self, suffix: str = "") -> str:
        return f"/v2.1/servers/{self.server}/os-instance-actions{suffix}"

    async def add_server(self, *, cell: bool = True, project_id: str = PROJECT) -> str:
        server = str(uuid.uuid4())
        mapping = InstanceMapping(instance_uuid=server, project_id=project_id)
        await InstanceMappingRepository(self.api_db).create(mapping)
        if not cell:
            return server
        instance = Instance(
            uuid=server,
            project_id=project_id,
            user_id="alice",
            display_name="vm",
            flavor=Flavor(flavorid="1", name="tiny", memory_mb=512, vcpus=1),
        )
        await InstanceRepository(self.cell_db, self.cell_uuid).create(instance)
        await InstanceMappingRepository(self.api_db).set_cell(server, self.cell_uuid)
        return server

    async def record(self, action: str, request_id: str, *, error: bool = False) -> None:
        """An action with one finished event on host ``compute1``."""
        await self.actions.action_start(
            InstanceAction(
                action=action,
                instance_uuid=self.server,
                request_id=request_id,
                user_id="alice",
                project_id=PROJECT,
                start_time=datetime.datetime.now(datetime.UTC),
            )
        )
        event = f"compute_{action}_instance"
        await self.actions.event_start(self.server, request_id, event, "compute1")
        result = "Error" if error else "Success"
        await self.actions.event_finish(
            self.server,
            request_id,
            event,
            result,
            traceback="Traceback: boom" if error else None,
            details="it broke" if error else None,
        )
        await self.actions.action_finish(self.server, request_id)


@pytest.fixture
async def env(api_db: Database, tmp_path: object) -> AsyncIterator[Env]:
    cell_url = await migrated_sqlite(pathlib.Path(str(tmp_path)) / "cell1.sqlite", "cell")
    registry = DatabaseRegistry()
    cell = await CellMappingRepository(api_db).create(
        CellMapping(name="cell1", transport_url="inproc:///actions", database_connection=cell_url)
    )
    app = create_compute_app(
        [Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)],
        db=api_db,
        max_version=IMPLEMENTED_VERSION,
        max_limit=3,
        cells=CellRouter(api_db, registry),
    )
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE)
    result = Env(client, api_db, registry.get(cell_url), cell.uuid, "")
    result.server = await result.add_server()
    yield result
    await client.aclose()
    await registry.dispose_all()


def _check(response: httpx.Response, handler: str, version: str) -> None:
    found = handler_schema(
        "instance_actions",
        f"InstanceActionsController.{handler}",
        "response_body",
        Version.parse(version),
    )
    assert found is not None
    jsonschema.Draft202012Validator(found).validate(response.json())


@pytest.mark.parametrize(
    "version", ["2.1", "2.21", "2.51", "2.58", "2.62", "2.66", "2.84", "2.104"]
)
@pytest.mark.parametrize("who", ["admin", "member"])
async def test_responses_match_schemas(env: Env, version: str, who: str) -> None:
    await env.record("create", "req-1")
    await env.record("stop", "req-2", error=True)
    caller = headers(ADMIN if who == "admin" else MEMBER, version)
    query = "?limit=1" if Version.parse(version) >= (2, 58) else ""
    listed = await env.client.get(env.path(query), headers=caller)
    assert listed.status_code == 200, listed.text
    _check(listed, "index", version)
    shown = await env.client.get(env.path("/req-2"), headers=caller)
    assert shown.status_code == 200, shown.text
    _check(shown, "show", version)


async def test_list_newest_first_with_nova_keys(env: Env) -> None:
    await env.record("create", "req-1")
    await env.record("stop", "req-2")
    r = await env.client.get(env.path(), headers=MEMBER)
    actions = r.json()["instanceActions"]
    assert [a["request_id"] for a in actions] == ["req-2", "req-1"]
    assert set(actions[0]) == {
        "action", "instance_uuid", "request_id", "user_id", "project_id", "start_time", "message"
    }  # fmt: skip
    assert actions[0]["instance_uuid"] == env.server and actions[0]["action"] == "stop"
    datetime.datetime.strptime(actions[0]["start_time"], "%Y-%m-%dT%H:%M:%S.%f")
    r = await env.client.get(env.path(), headers=headers(MEMBER, "2.58"))
    assert "updated_at" in r.json()["instanceActions"][0]


async def test_paging_with_limit_and_marker(env: Env) -> None:
    for n in range(1, 5):
        await env.record("reboot", f"req-{n}")
    v258 = headers(MEMBER, "2.58")
    r = await env.client.get(env.path("?limit=2"), headers=v258)
    body = r.json()
    assert [a["request_id"] for a in body["instanceActions"]] == ["req-4", "req-3"]
    assert body["links"] == [{"rel": "next", "href": f"{BASE}{env.path('?limit=2&marker=req-3')}"}]
    r = await env.client.get(env.path("?limit=2&marker=req-3"), headers=v258)
    assert [a["request_id"] for a in r.json()["instanceActions"]] == ["req-2", "req-1"]
    r = await env.client.get(env.path("?limit=5&marker=req-3"), headers=v258)
    assert "links" not in r.json()
    # max_limit (3 here) caps a missing or larger limit; a full page gets the next link.
    r = await env.client.get(env.path(), headers=v258)
    assert len(r.json()["instanceActions"]) == 3 and "links" in r.json()
    r = await env.client.get(env.path("?marker=nope"), headers=v258)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Marker nope could not be found."
    # Before 2.58 the list is not paged and unknown parameters are ignored.
    r = await env.client.get(env.path("?limit=1&foo=bar"), headers=MEMBER)
    assert len(r.json()["instanceActions"]) == 4 and "links" not in r.json()


async def test_changes_since_and_before(env: Env) -> None:
    await env.record("create", "req-1")
    v266 = headers(MEMBER, "2.66")
    future = "2999-01-01T00:00:00Z"
    past = "2000-01-01T00:00:00"
    r = await env.client.get(env.path(f"?changes-since={future}"), headers=v266)
    assert r.json()["instanceActions"] == []
    r = await env.client.get(env.path(f"?changes-since={past}"), headers=v266)
    assert len(r.json()["instanceActions"]) == 1
    r = await env.client.get(env.path(f"?changes-before={past}"), headers=v266)
    assert r.json()["instanceActions"] == []
    r = await env.client.get(
        env.path(f"?changes-since={future}&changes-before={past}"), headers=v266
    )
    assert r.json() == {
        "badRequest": {
            "code": 400,
            "message": "The value of changes-since must be less than or equal to changes-before.",
        }
    }
    r = await env.client.get(env.path("?changes-since=yesterday"), headers=v266)
    assert r.status_code == 400
    r = await env.client.get(env.path(f"?changes-before={past}"), headers=headers(MEMBER, "2.65"))
    assert r.status_code == 400  # changes-before is 2.66


async def test_events_per_caller_and_microversion(env: Env) -> None:
    await env.record("stop", "req-1", error=True)

    async def events(who: dict[str, str], version: str) -> Any:
        r = await env.client.get(env.path("/req-1"), headers=headers(who, version))
        assert r.status_code == 200, r.text
        assert r.json()["instanceAction"]["message"] == "Error"
        return r.json()["instanceAction"].get("events")

    assert await events(MEMBER, "2.50") is None
    admin_old = await events(ADMIN, "2.1")
    assert admin_old[0]["traceback"] == "Traceback: boom" and "host" not in admin_old[0]
    (member,) = await events(MEMBER, "2.51")
    assert set(member) == {"event", "start_time", "finish_time", "result"}
    assert member["result"] == "Error"
    (member,) = await events(MEMBER, "2.62")
    assert member["hostId"] == host_id("compute1", PROJECT) and "host" not in member
    (admin,) = await events(ADMIN, "2.62")
    assert admin["host"] == "compute1" and admin["hostId"] == member["hostId"]
    assert "details" not in admin
    (admin,) = await events(ADMIN, "2.84")
    assert admin["details"] == "it broke"
    (member,) = await events(MEMBER, "2.84")
    assert "details" not in member and "traceback" not in member


async def test_unknown_server_and_action(env: Env) -> None:
    missing = str(uuid.uuid4())
    r = await env.client.get(f"/v2.1/servers/{missing}/os-instance-actions", headers=MEMBER)
    assert r.status_code == 404
    assert r.json() == {
        "itemNotFound": {"code": 404, "message": f"Instance {missing} could not be found."}
    }
    r = await env.client.get(env.path("/req-nope"), headers=MEMBER)
    assert r.json() == {"itemNotFound": {"code": 404, "message": "Action req-nope not found"}}


async def test_other_project_is_forbidden(env: Env) -> None:
    await env.record("create", "req-1")
    r = await env.client.get(env.path(), headers=OTHER)
    assert r.status_code == 403
    r = await env.client.get(env.path("/req-1"), headers=OTHER)
    assert r.status_code == 403
    assert (await env.client.get(env.path(), headers=ADMIN)).status_code == 200


async def test_deleted_server_visible_from_2_21(env: Env) -> None:
    await env.record("delete", "req-1")
    await InstanceRepository(env.cell_db, env.cell_uuid).destroy(env.server)
    r = await env.client.get(env.path(), headers=headers(MEMBER, "2.20"))
    assert r.status_code == 404
    r = await env.client.get(env.path(), headers=headers(MEMBER, "2.21"))
    assert [a["action"] for a in r.json()["instanceActions"]] == ["delete"]


async def test_unscheduled_server_has_no_actions(env: Env) -> None:
    server = await env.add_server(cell=False)
    instance = Instance(uuid=server, project_id=PROJECT, user_id="alice")
    await BuildRequestRepository(env.api_db).create(
        BuildRequest(instance_uuid=server, project_id=PROJECT, instance=instance)
    )
    path = f"/v2.1/servers/{server}/os-instance-actions"
    r = await env.client.get(path, headers=MEMBER)
    assert r.status_code == 200 and r.json() == {"instanceActions": []}
    r = await env.client.get(path + "/req-1", headers=MEMBER)
    assert r.status_code == 404

"""Deleting servers and the os-stop / os-start / reboot / forceDelete actions."""

from __future__ import annotations

import datetime
import uuid

import pytest

from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_actions import InstanceActionRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.services import ServiceRepository
from novalite.errors import InstanceNotFound
from tests.functional.api.conftest import ADMIN, MEMBER, OTHER, ServersEnv
from tests.functional.api.test_compute_servers import create, make_flavor

PROJECT = "alice-project"


@pytest.fixture
async def env(servers_env: ServersEnv) -> ServersEnv:
    await make_flavor(servers_env.client)
    return servers_env


async def _server(env: ServersEnv, **values: object) -> str:
    server: str = (await create(env))["server"]["id"]
    await env.schedule(server, **values)  # type: ignore[arg-type]
    return server


async def _action(env: ServersEnv, server: str, body: object, who: dict[str, str] = MEMBER) -> int:
    r = await env.client.post(f"/v2.1/servers/{server}/action", json=body, headers=who)
    return r.status_code


async def test_delete_build_request(env: ServersEnv) -> None:
    server = (await create(env))["server"]["id"]
    r = await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)
    assert r.status_code == 204
    assert await BuildRequestRepository(env.api_db).list() == []
    assert (await InstanceMappingRepository(env.api_db).get(server)).queued_for_delete
    assert (await env.client.get(f"/v2.1/servers/{server}", headers=MEMBER)).status_code == 404
    assert (await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)).status_code == 404


async def test_delete_in_cell0_is_local(env: ServersEnv) -> None:
    server = (await create(env))["server"]["id"]
    await env.schedule(server, env.cell0, host=None, vm_state="error")
    assert (await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)).status_code == 204
    with pytest.raises(InstanceNotFound):
        await env.instances(env.cell0).get(server)
    assert (await env.instances(env.cell0).get(server, read_deleted=True)).vm_state == "deleted"
    assert env.compute.casts == []


async def test_delete_on_a_live_host_casts_terminate(env: ServersEnv) -> None:
    server = await _server(env)
    assert (await env.client.delete(f"/v2.1/servers/{server}", headers=OTHER)).status_code == 403
    assert (await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)).status_code == 204
    casts = await env.wait_casts(1)
    assert casts[0][:2] == ("terminate_instance", server)
    stored = await env.instances(env.cell1).get(server)
    assert stored.task_state == "deleting"
    assert (await InstanceMappingRepository(env.api_db).get(server)).queued_for_delete
    again = await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)
    assert again.status_code == 204
    shown = await env.client.get(f"/v2.1/servers/{server}", headers=MEMBER)
    assert shown.json()["server"]["OS-EXT-STS:task_state"] == "deleting"


async def test_delete_on_a_down_host_is_local(env: ServersEnv) -> None:
    services = ServiceRepository(env.db(env.cell1))
    service = (await services.list(host="host1"))[0]
    service.last_seen_up = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    await services.save(service)
    server = await _server(env)
    assert (await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)).status_code == 204
    assert (await env.instances(env.cell1).get(server, read_deleted=True)).deleted
    assert env.compute.casts == []


async def test_stop_start_reboot_cast_and_set_task_states(env: ServersEnv) -> None:
    server = await _server(env)
    assert await _action(env, server, {"os-stop": None}) == 202
    casts = await env.wait_casts(1)
    assert casts[-1][:2] == ("stop_instance", server)
    assert (await env.instances(env.cell1).get(server)).task_state == "powering-off"
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"os-stop": None}, headers=MEMBER
    )
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == (
        f"Cannot 'stop' instance {server} while it is in task_state powering-off"
    )
    await env.instances(env.cell1).update(server, {"task_state": None, "vm_state": "stopped"})
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"reboot": {"type": "SOFT"}}, headers=MEMBER
    )
    assert r.status_code == 409
    assert "Cannot 'reboot' instance" in r.json()["conflictingRequest"]["message"]
    assert await _action(env, server, {"reboot": {"type": "HARD"}}) == 202
    casts = await env.wait_casts(2)
    assert casts[-1] == ("reboot_instance", server, {"reboot_type": "HARD"})
    assert (await env.instances(env.cell1).get(server)).task_state == "rebooting_hard"
    await env.instances(env.cell1).update(server, {"task_state": None})
    assert await _action(env, server, {"os-start": None}) == 202
    casts = await env.wait_casts(3)
    assert casts[-1][:2] == ("start_instance", server)
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"os-start": None}, headers=MEMBER
    )
    assert r.status_code == 409


async def test_actions_are_recorded_with_the_request_id(env: ServersEnv) -> None:
    server = await _server(env)
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"os-stop": None}, headers=MEMBER
    )
    assert r.status_code == 202
    request_id = r.headers["x-openstack-request-id"]
    action = await InstanceActionRepository(env.db(env.cell1)).get(server, request_id)
    assert (action.action, action.user_id, action.project_id) == ("stop", "alice", PROJECT)
    assert await _action(env, server, {"reboot": {"type": "HARD"}}, ADMIN) == 409
    r = await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)
    deleting = await InstanceActionRepository(env.db(env.cell1)).get(
        server, r.headers["x-openstack-request-id"]
    )
    assert deleting.action == "delete"


async def test_locked_and_unscheduled_servers(env: ServersEnv) -> None:
    server = await _server(env)
    await env.instances(env.cell1).update(server, {"locked": True, "locked_by": "owner"})
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"os-stop": None}, headers=MEMBER
    )
    assert r.status_code == 409
    assert r.json()["conflictingRequest"]["message"] == f"Instance {server} is locked"
    assert (await env.client.delete(f"/v2.1/servers/{server}", headers=MEMBER)).status_code == 409
    assert await _action(env, server, {"os-stop": None}, ADMIN) == 202
    pending = (await create(env))["server"]["id"]
    r = await env.client.post(
        f"/v2.1/servers/{pending}/action", json={"os-stop": None}, headers=MEMBER
    )
    assert r.status_code == 409
    assert "while it is in vm_state building" in r.json()["conflictingRequest"]["message"]


async def test_action_body_errors(env: ServersEnv) -> None:
    server = await _server(env)
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"explode": None}, headers=MEMBER
    )
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "There is no such action: explode"
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"os-stop": None, "os-start": None}, headers=MEMBER
    )
    assert r.status_code == 400
    r = await env.client.post(
        f"/v2.1/servers/{server}/action", json={"reboot": {"type": "WARM"}}, headers=MEMBER
    )
    assert r.status_code == 400
    missing = str(uuid.uuid4())
    assert await _action(env, missing, {"os-stop": None}) == 404
    assert await _action(env, server, {"os-stop": None}, OTHER) == 403


async def test_force_delete(env: ServersEnv) -> None:
    server = await _server(env)
    assert await _action(env, server, {"forceDelete": None}) == 202
    casts = await env.wait_casts(1)
    assert casts[0][:2] == ("terminate_instance", server)

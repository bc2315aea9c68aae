"""Servers over HTTP: create, list, show, update and delete across build requests and cells."""

from __future__ import annotations

import asyncio
import base64
import uuid
from typing import Any

import httpx
import pytest

from novalite.db.repositories.build_requests import BuildRequestRepository
from novalite.db.repositories.instance_mappings import InstanceMappingRepository
from novalite.db.repositories.request_specs import RequestSpecRepository
from novalite.db.repositories.server_groups import ServerGroupRepository
from novalite.domain.instance import InstanceFault
from novalite.domain.server_group import ServerGroup
from tests.functional.api.conftest import ADMIN, MEMBER, OTHER, ServersEnv, headers

PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDr4v9sRF/8hwkF1Y0R1a9eLnJbl7Q3zqzsJ8bJ6mGhE test"
IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"


async def make_flavor(client: httpx.AsyncClient, flavorid: str = "1", **extra: Any) -> None:
    flavor = {"name": f"f{flavorid}", "ram": 512, "vcpus": 1, "disk": 1, "id": flavorid}
    flavor.update(extra)
    r = await client.post("/v2.1/flavors", json={"flavor": flavor}, headers=ADMIN)
    assert r.status_code == 200, r.text


def server_body(name: str = "vm", **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name, "flavorRef": "1", "imageRef": IMAGE}
    body.update(extra)
    return {"server": body}


async def create(
    env: ServersEnv, who: dict[str, str] = MEMBER, version: str | None = None, **extra: Any
) -> dict[str, Any]:
    r = await env.client.post(
        "/v2.1/servers", json=server_body(**extra), headers=headers(who, version)
    )
    assert r.status_code == 202, r.text
    body: dict[str, Any] = r.json()
    return body


@pytest.fixture
async def env(servers_env: ServersEnv) -> ServersEnv:
    await make_flavor(servers_env.client)
    return servers_env


async def test_create_records_build_request_and_casts(env: ServersEnv) -> None:
    r = await env.client.post(
        "/v2.1/servers",
        json=server_body(metadata={"k": "v"}, user_data=base64.b64encode(b"hi").decode()),
        headers=MEMBER,
    )
    assert r.status_code == 202, r.text
    server = r.json()["server"]
    assert server["OS-DCF:diskConfig"] == "MANUAL"
    assert server["security_groups"] == [{"name": "default"}]
    assert len(server["adminPass"]) == 12
    assert r.headers["Location"] == server["links"][0]["href"]
    build_request = await BuildRequestRepository(env.api_db).get(server["id"])
    instance = build_request.instance
    assert (instance.vm_state, instance.task_state, instance.power_state) == (
        "building", "scheduling", 0,
    )  # fmt: skip
    assert instance.project_id == "alice-project"
    assert instance.user_id == "alice"
    assert instance.flavor is not None and instance.flavor.flavorid == "1"
    assert instance.hostname == "vm"
    assert instance.reservation_id is not None and instance.reservation_id.startswith("r-")
    mapping = await InstanceMappingRepository(env.api_db).get(server["id"])
    assert mapping.cell_uuid is None
    spec = await RequestSpecRepository(env.api_db).get(server["id"])
    assert (spec.flavor_id, spec.memory_mb, spec.image_id) == ("1", 512, IMAGE)
    casts = await env.wait_builds(1)
    assert casts[0][1] == [server["id"]]

    shown = await env.client.get(f"/v2.1/servers/{server['id']}", headers=MEMBER)
    assert shown.status_code == 200, shown.text
    assert shown.json()["server"]["status"] == "BUILD"
    listed = await env.client.get("/v2.1/servers", headers=MEMBER)
    assert [s["id"] for s in listed.json()["servers"]] == [server["id"]]


async def test_multi_create_names_instances_and_shares_reservation(env: ServersEnv) -> None:
    r = await env.client.post(
        "/v2.1/servers",
        json=server_body(min_count=2, max_count="3", return_reservation_id=True),
        headers=MEMBER,
    )
    assert r.status_code == 202, r.text
    reservation = r.json()["reservation_id"]
    assert reservation.startswith("r-") and len(reservation) == 10
    requests = await BuildRequestRepository(env.api_db).list("alice-project")
    instances = sorted((b.instance for b in requests), key=lambda i: i.launch_index)
    assert [i.display_name for i in instances] == ["vm-1", "vm-2", "vm-3"]
    assert [i.hostname for i in instances] == ["vm-1", "vm-2", "vm-3"]
    assert {i.reservation_id for i in instances} == {reservation}
    casts = await env.wait_builds(1)
    assert sorted(casts[0][1]) == sorted(i.uuid for i in instances)
    assert casts[0][0].num_instances == 3
    listed = await env.client.get(f"/v2.1/servers?reservation_id={reservation}", headers=MEMBER)
    assert len(listed.json()["servers"]) == 3


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"flavorRef": "99"}, "Flavor 99 could not be found."),
        ({"flavorRef": "http://compute.test/flavors/98"}, "Flavor 98 could not be found."),
        ({"key_name": "nope"}, "Invalid key_name provided."),
        ({"min_count": 3, "max_count": 2}, "min_count must be <= max_count"),
        ({"imageRef": ""}, "Missing imageRef attribute"),
        ({"user_data": "not base64!"}, "'not base64!' is not a 'base64'"),
        ({"name": " padded"}, "The name must be: printable characters."),
        ({"name": ""}, "Invalid input for field/attribute name."),
        ({"bogus": 1}, "Additional properties are not allowed ('bogus' was unexpected)"),
        ({"flavorRef": None}, "Invalid input for field/attribute flavorRef."),
        ({"metadata": {"k": 1}}, "Invalid input for field/attribute k."),
    ],
)
async def test_create_rejects_bad_requests(
    env: ServersEnv, extra: dict[str, Any], message: str
) -> None:
    r = await env.client.post("/v2.1/servers", json=server_body(**extra), headers=MEMBER)
    assert r.status_code == 400, r.text
    assert message in r.json()["badRequest"]["message"]
    assert await BuildRequestRepository(env.api_db).list() == []


async def test_create_schema_per_microversion(env: ServersEnv) -> None:
    r = await env.client.post("/v2.1/servers", json=server_body(), headers=headers(MEMBER, "2.37"))
    assert r.status_code == 400
    assert "'networks' is a required property" in r.json()["badRequest"]["message"]
    await create(env, version="2.37", networks="none")
    r = await env.client.post(
        "/v2.1/servers", json=server_body(description="d"), headers=headers(MEMBER, "2.18")
    )
    assert r.status_code == 400
    await create(env, version="2.19", description="d")


async def test_create_with_keypair_group_and_hints(env: ServersEnv) -> None:
    r = await env.client.post(
        "/v2.1/os-keypairs",
        json={"keypair": {"name": "k", "public_key": PUBLIC_KEY}},
        headers=MEMBER,
    )
    assert r.status_code == 200, r.text
    missing = str(uuid.uuid4())
    body = server_body(key_name="k")
    body["os:scheduler_hints"] = {"group": missing}
    r = await env.client.post("/v2.1/servers", json=body, headers=MEMBER)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == f"Instance group {missing} could not be found."
    body["os:scheduler_hints"] = {"different_host": [str(uuid.uuid4())], "foo": "bar"}
    server = (await env.client.post("/v2.1/servers", json=body, headers=MEMBER)).json()["server"]
    instance = (await BuildRequestRepository(env.api_db).get(server["id"])).instance
    assert instance.key_data == PUBLIC_KEY
    spec = await RequestSpecRepository(env.api_db).get(server["id"])
    assert spec.scheduler_hints["foo"] == ["bar"]
    assert len(spec.scheduler_hints["different_host"]) == 1


async def test_create_body_errors(env: ServersEnv) -> None:
    r = await env.client.post(
        "/v2.1/servers",
        content=b'{"server": {"name": "' + b"x" * 120000 + b'"}}',
        headers={**MEMBER, "Content-Type": "application/json"},
    )
    assert r.status_code == 413
    assert "overLimit" in r.json()
    r = await env.client.post(
        "/v2.1/servers", content=b"{", headers={**MEMBER, "Content-Type": "application/json"}
    )
    assert r.status_code == 400
    r = await env.client.post(
        "/v2.1/servers", json=server_body(), headers=OTHER | {"X-Roles": "reader"}
    )
    assert r.status_code == 403


async def test_show_unknown_and_foreign_servers(env: ServersEnv) -> None:
    missing = str(uuid.uuid4())
    for server_id in (missing, "not-a-uuid"):
        r = await env.client.get(f"/v2.1/servers/{server_id}", headers=MEMBER)
        assert r.status_code == 404
        assert r.json() == {
            "itemNotFound": {"code": 404, "message": f"Instance {server_id} could not be found."}
        }
    server = (await create(env))["server"]
    r = await env.client.get(f"/v2.1/servers/{server['id']}", headers=OTHER)
    assert r.status_code == 403
    r = await env.client.get(f"/v2.1/servers/{server['id']}", headers=ADMIN)
    assert r.status_code == 200


async def test_show_after_scheduling_and_in_cell0(env: ServersEnv) -> None:
    active = (await create(env, name="a"))["server"]["id"]
    failed = (await create(env, name="b"))["server"]["id"]
    await env.schedule(active)
    await env.schedule(failed, env.cell0, host=None, vm_state="error")
    await env.instances(env.cell0).add_fault(
        InstanceFault(instance_uuid=failed, code=500, message="No valid host", details="trace")
    )
    member = (await env.client.get(f"/v2.1/servers/{active}", headers=MEMBER)).json()["server"]
    assert member["status"] == "ACTIVE"
    assert member["OS-EXT-STS:vm_state"] == "active"
    assert member["OS-EXT-STS:power_state"] == 1
    assert member["hostId"] != ""
    assert "OS-EXT-SRV-ATTR:host" not in member
    admin = await env.client.get(f"/v2.1/servers/{active}", headers=headers(ADMIN, "2.16"))
    body = admin.json()["server"]
    assert body["OS-EXT-SRV-ATTR:host"] == "host1"
    assert body["host_status"] == "UP"
    error = (await env.client.get(f"/v2.1/servers/{failed}", headers=MEMBER)).json()["server"]
    assert error["status"] == "ERROR"
    assert error["fault"]["message"] == "No valid host"
    assert "details" not in error["fault"]
    admin_error = (await env.client.get(f"/v2.1/servers/{failed}", headers=ADMIN)).json()
    assert admin_error["server"]["fault"]["details"] == "trace"


async def test_update_in_build_request_and_in_cell(env: ServersEnv) -> None:
    server = (await create(env))["server"]["id"]
    r = await env.client.put(
        f"/v2.1/servers/{server}", json={"server": {"name": "renamed"}}, headers=MEMBER
    )
    assert r.status_code == 200, r.text
    assert r.json()["server"]["name"] == "renamed"
    shown = await env.client.get(f"/v2.1/servers/{server}", headers=MEMBER)
    assert shown.json()["server"]["name"] == "renamed"
    await env.schedule(server)
    r = await env.client.put(
        f"/v2.1/servers/{server}",
        json={"server": {"name": "again", "description": "words"}},
        headers=headers(MEMBER, "2.19"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["server"]["name"], r.json()["server"]["description"]) == ("again", "words")
    stored = await env.instances(env.cell1).get(server)
    assert (stored.display_name, stored.display_description) == ("again", "words")
    r = await env.client.put(
        f"/v2.1/servers/{server}", json={"server": {"description": "x"}}, headers=MEMBER
    )
    assert r.status_code == 400
    r = await env.client.put(
        f"/v2.1/servers/{server}", json={"server": {"name": "x"}}, headers=OTHER
    )
    assert r.status_code == 403


async def test_create_in_a_server_group(env: ServersEnv) -> None:
    group = await ServerGroupRepository(env.api_db).create(
        ServerGroup(name="g", project_id="alice-project", user_id="alice", policy="affinity")
    )
    body = server_body(max_count=2)
    body["os:scheduler_hints"] = {"group": group.uuid}
    r = await env.client.post("/v2.1/servers", json=body, headers=MEMBER)
    assert r.status_code == 202, r.text
    server = r.json()["server"]["id"]
    members = (await ServerGroupRepository(env.api_db).get(group.uuid)).members
    assert server in members and len(members) == 2
    spec = (await env.wait_builds(1))[0][0]
    assert spec.instance_group.uuid == group.uuid
    await env.schedule(server)
    shown = await env.client.get(f"/v2.1/servers/{server}", headers=headers(MEMBER, "2.71"))
    assert shown.json()["server"]["server_groups"] == [group.uuid]
    shown = await env.client.get(f"/v2.1/servers/{server}", headers=headers(MEMBER, "2.70"))
    assert "server_groups" not in shown.json()["server"]


async def test_create_policies(env: ServersEnv) -> None:
    r = await env.client.post(
        "/v2.1/servers", json=server_body(availability_zone="nova:host1"), headers=MEMBER
    )
    assert r.status_code == 403
    assert "create:forced_host" in r.json()["forbidden"]["message"]
    await create(env, who=ADMIN, availability_zone="nova:host1")
    spec = (await env.wait_builds(1))[0][0]
    assert (spec.availability_zone, spec.force_hosts) == ("nova", ["host1"])
    r = await env.client.post(
        "/v2.1/servers",
        json=server_body(host="host1", networks="auto"),
        headers=headers(MEMBER, "2.74"),
    )
    assert r.status_code == 403
    await make_flavor(env.client, "0", disk=0)
    r = await env.client.post("/v2.1/servers", json=server_body(flavorRef="0"), headers=MEMBER)
    assert r.status_code == 403
    assert r.json()["forbidden"]["message"] == (
        "Only volume-backed servers are allowed for flavors with zero disk."
    )
    await make_flavor(env.client, "p", **{"os-flavor-access:is_public": False})
    r = await env.client.post("/v2.1/servers", json=server_body(flavorRef="p"), headers=MEMBER)
    assert r.status_code == 400
    assert r.json()["badRequest"]["message"] == "Flavor p could not be found."


async def test_admin_password_can_be_disabled(env: ServersEnv) -> None:
    client = env.make_client(enable_instance_password=False)
    r = await client.post("/v2.1/servers", json=server_body(), headers=MEMBER)
    assert r.status_code == 202, r.text
    assert "adminPass" not in r.json()["server"]


async def test_server_built_by_the_conductor_shows_from_its_cell(env: ServersEnv) -> None:
    async def build(uuids: list[str]) -> None:
        for server in uuids:
            await env.schedule(server)

    env.conductor.builder = build
    server = (await create(env))["server"]["id"]
    await env.wait_builds(1)
    for _ in range(300):
        if (await InstanceMappingRepository(env.api_db).get(server)).cell_uuid is not None:
            break
        await asyncio.sleep(0.01)
    shown = (await env.client.get(f"/v2.1/servers/{server}", headers=MEMBER)).json()["server"]
    assert (shown["status"], shown["OS-EXT-STS:power_state"]) == ("ACTIVE", 1)
    listed = (await env.client.get("/v2.1/servers/detail", headers=MEMBER)).json()["servers"]
    assert [(s["id"], s["status"]) for s in listed] == [(server, "ACTIVE")]

"""openstacksdk and the openstack CLI against the running service."""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import sys
from typing import Any

import openstack
import pytest

from .harness import ADMIN_PASSWORD, IdentityServer

OPENSTACK = str(pathlib.Path(sys.executable).parent / "openstack")


async def _cli(identity: IdentityServer, cloud: str, *args: str) -> tuple[int, str, str]:
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(identity.clouds_yaml)}
    for key in list(env):
        if key.startswith("OS_") and key != "OS_CLIENT_CONFIG_FILE":
            del env[key]
    proc = await asyncio.create_subprocess_exec(
        OPENSTACK,
        "--os-cloud",
        cloud,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


@pytest.mark.slow
async def test_cli_admin_flows(identity: IdentityServer) -> None:
    (rc, out, err), (rc2, _, err2) = await asyncio.gather(
        _cli(identity, "novalite-admin", "catalog", "list", "-f", "json"),
        _cli(identity, "novalite-admin", "project", "create", "cli-proj", "-f", "json"),
    )
    assert rc == 0, err
    assert {s["Type"] for s in json.loads(out)} >= {"identity", "compute", "placement"}
    assert rc2 == 0, err2
    rc, out, err = await _cli(identity, "novalite-admin", "project", "list", "-f", "json")
    assert rc == 0, err
    assert "cli-proj" in {p["Name"] for p in json.loads(out)}
    rc, out, err = await _cli(identity, "novalite-admin", "project", "delete", "cli-proj")
    assert rc == 0, err


@pytest.mark.slow
async def test_cli_demo_refused(identity: IdentityServer) -> None:
    rc, _, err = await _cli(identity, "novalite", "user", "list")
    assert rc != 0
    assert "403" in err or "not authorized" in err.lower(), err


def _sdk_flows(url: str) -> None:
    conn = openstack.connect(
        auth_url=url,
        username="admin",
        password=ADMIN_PASSWORD,
        project_name="admin",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
    )
    api: Any = conn.identity  # the v3 proxy (typed as a v2/v3 union)
    try:
        project = api.create_project(name="sdk-proj", domain_id="default")
        user = api.create_user(
            name="sdk-user",
            password="pw-sdk-1234",
            default_project_id=project.id,
            domain_id="default",
        )
        assert "sdk-user" in {u.name for u in api.users()}
        assert [p.id for p in api.user_projects(user)] == []
        member = api.find_role("member")
        api.assign_project_role_to_user(project, user, member)
        assert api.validate_user_has_project_role(project, user, member)
        assert [p.id for p in api.user_projects(user)] == [project.id]
        user_conn = openstack.connect(
            auth_url=url,
            username="sdk-user",
            password="pw-sdk-1234",
            project_name="sdk-proj",
            user_domain_name="Default",
            project_domain_name="Default",
        )
        assert user_conn.current_project_id == project.id
        user_conn.close()
        api.delete_user(user)
        api.delete_project(project)
        assert api.find_project("sdk-proj") is None
        services = {s.type for s in api.services()}
        assert "compute" in services
        assert len(list(api.endpoints())) >= 9
    finally:
        conn.close()


@pytest.mark.timeout(60)
async def test_openstacksdk(identity: IdentityServer) -> None:
    await asyncio.to_thread(_sdk_flows, identity.url)

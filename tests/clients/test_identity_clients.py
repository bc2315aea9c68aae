"""openstacksdk and the openstack CLI against the all-in-one's identity service."""

from __future__ import annotations

import uuid

import pytest
from openstack import exceptions

from tests.clients.conftest import Cloud

pytestmark = pytest.mark.slow


def test_sdk_authenticates_and_reads_the_catalog(cloud: Cloud) -> None:
    conn = cloud.connect("novalite-admin")
    types = {service.type for service in conn.identity.services()}
    assert {"identity", "compute", "placement"} <= types
    endpoints = list(conn.identity.endpoints())
    assert len(endpoints) == 9  # identity, compute, placement x public, internal, admin
    assert all(e.url.startswith(cloud.base_url) for e in endpoints)
    assert conn.current_project.name == "admin"


def test_sdk_admin_manages_projects_and_users_demo_is_refused(cloud: Cloud) -> None:
    admin = cloud.connect("novalite-admin")
    name = f"p-{uuid.uuid4().hex[:8]}"
    project = admin.identity.create_project(name=name, domain_id="default")
    user = admin.identity.create_user(
        name=f"u-{name}", password="pw-" + name, default_project_id=project.id
    )
    member = admin.identity.find_role("member")
    admin.identity.assign_project_role_to_user(project, user, member)
    assert name in {p.name for p in admin.identity.projects()}

    demo = cloud.connect("novalite")
    with pytest.raises(exceptions.ForbiddenException):
        demo.identity.create_project(name=f"x-{name}", domain_id="default")
    with pytest.raises(exceptions.ForbiddenException):
        demo.identity.delete_project(project)

    admin.identity.delete_user(user)
    admin.identity.delete_project(project)
    assert name not in {p.name for p in admin.identity.projects()}


def test_cli_admin_creates_and_deletes_demo_is_refused(cloud: Cloud) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = cloud.osc("novalite-admin", "project", "create", name, "-f", "value", "-c", "id")
    assert created.returncode == 0, created.stderr
    listed = cloud.osc("novalite-admin", "project", "list", "-f", "value", "-c", "Name")
    assert name in listed.stdout.split()
    catalog = cloud.osc("novalite", "catalog", "list", "-f", "value", "-c", "Type")
    assert catalog.returncode == 0, catalog.stderr
    assert "placement" in catalog.stdout.split()

    refused = cloud.osc("novalite", "user", "list")
    assert refused.returncode != 0
    assert "403" in refused.stderr

    deleted = cloud.osc("novalite-admin", "project", "delete", name)
    assert deleted.returncode == 0, deleted.stderr


def test_no_password_or_token_in_the_log(cloud: Cloud) -> None:
    conn = cloud.connect("novalite-admin")
    token = conn.session.get_token()
    list(conn.identity.projects())
    log = cloud.service.log()
    for secret in cloud.credentials.values():
        assert secret not in log
    assert token not in log

"""The admin API over HTTP: CRUD of every collection, grants, policy, error bodies."""

from __future__ import annotations

import httpx

from .harness import DEMO_PASSWORD, IdentityServer


def _h(token: str) -> dict[str, str]:
    return {"X-Auth-Token": token}


async def test_crud_every_collection(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    h = _h(await identity.token(client))
    v3 = f"{identity.url}/v3"
    cases = [
        ("domains", "domain", {"name": "d1"}, {"description": "changed"}),
        ("projects", "project", {"name": "p1", "description": "x"}, {"description": "changed"}),
        (
            "users",
            "user",
            {"name": "u1", "password": "secret-1", "email": "u@x"},
            {"description": "changed"},
        ),
        ("roles", "role", {"name": "r1"}, {"description": "changed"}),
        ("services", "service", {"type": "volumev3", "name": "cinder"}, {"description": "changed"}),
        ("regions", "region", {"id": "RegionTwo"}, {"description": "changed"}),
    ]
    for collection, member, body, patch in cases:
        resp = await client.post(f"{v3}/{collection}", headers=h, json={member: body})
        assert resp.status_code == 201, (collection, resp.text)
        entity = resp.json()[member]
        assert entity["links"]["self"] == f"{v3}/{collection}/{entity['id']}"
        assert "password" not in entity
        url = f"{v3}/{collection}/{entity['id']}"
        assert (await client.get(url, headers=h)).json()[member]["id"] == entity["id"]
        resp = await client.patch(url, headers=h, json={member: patch})
        assert resp.status_code == 200, resp.text
        assert resp.json()[member]["description"] == "changed"
        listed = (await client.get(f"{v3}/{collection}", headers=h)).json()
        assert entity["id"] in {e["id"] for e in listed[collection]}
        assert listed["links"]["self"] == f"{v3}/{collection}"
        # a duplicate name is a conflict
        if "name" in body and collection != "services":
            resp = await client.post(f"{v3}/{collection}", headers=h, json={member: body})
            assert resp.status_code == 409, resp.text
            assert resp.json()["error"]["message"].startswith("Conflict occurred attempting")
        if collection == "domains":
            resp = await client.delete(url, headers=h)
            assert resp.status_code == 403
            await client.patch(url, headers=h, json={"domain": {"enabled": False}})
        if collection == "services":
            resp = await client.post(
                f"{v3}/endpoints",
                headers=h,
                json={
                    "endpoint": {
                        "service_id": entity["id"],
                        "interface": "public",
                        "url": "http://x/v3",
                        "region_id": "RegionOne",
                    }
                },
            )
            assert resp.status_code == 201, resp.text
            endpoint = resp.json()["endpoint"]
            assert endpoint["region"] == "RegionOne"
            resp = await client.get(f"{v3}/endpoints?service_id={entity['id']}", headers=h)
            assert [e["id"] for e in resp.json()["endpoints"]] == [endpoint["id"]]
        assert (await client.delete(url, headers=h)).status_code == 204
        resp = await client.get(url, headers=h)
        assert resp.status_code == 404
        kind = member
        assert resp.json() == {
            "error": {
                "code": 404,
                "title": "Not Found",
                "message": f"Could not find {kind}: {entity['id']}.",
            }
        }


async def test_filters_and_assignments(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    h = _h(await identity.token(client))
    v3 = f"{identity.url}/v3"
    resp = await client.get(f"{v3}/projects?name=demo", headers=h)
    assert [p["name"] for p in resp.json()["projects"]] == ["demo"]
    resp = await client.get(f"{v3}/projects?domain_id=nope", headers=h)
    assert resp.json()["projects"] == []
    resp = await client.get(f"{v3}/users?name=demo&domain_id=default", headers=h)
    assert [u["id"] for u in resp.json()["users"]] == [identity.result.demo_user_id]
    roles = {
        r["name"]: r["id"] for r in (await client.get(f"{v3}/roles", headers=h)).json()["roles"]
    }
    assert set(roles) >= {"admin", "manager", "member", "reader", "service"}
    implies = (await client.get(f"{v3}/roles/{roles['admin']}/implies", headers=h)).json()
    assert [r["name"] for r in implies["role_inference"]["implies"]] == ["manager"]
    inferences = (await client.get(f"{v3}/role_inferences", headers=h)).json()
    assert len(inferences["role_inferences"]) == 3
    demo, project = identity.result.demo_user_id, identity.result.demo_project_id
    grant = f"{v3}/projects/{project}/users/{demo}/roles/{roles['reader']}"
    assert (await client.head(grant, headers=h)).status_code == 404
    assert (await client.put(grant, headers=h)).status_code == 204
    assert (await client.head(grant, headers=h)).status_code == 204
    listed = (await client.get(f"{v3}/projects/{project}/users/{demo}/roles", headers=h)).json()
    assert {r["name"] for r in listed["roles"]} == {"member", "reader"}
    assert (await client.delete(grant, headers=h)).status_code == 204
    system = f"{v3}/system/users/{demo}/roles/{roles['reader']}"
    assert (await client.put(system, headers=h)).status_code == 204
    resp = await client.get(f"{v3}/role_assignments?user.id={demo}", headers=h)
    scopes = [a["scope"] for a in resp.json()["role_assignments"]]
    assert {"system": {"all": True}} in scopes
    assert {"project": {"id": project}} in scopes
    resp = await client.get(
        f"{v3}/role_assignments?scope.project.id={project}&effective&include_names=true",
        headers=h,
    )
    body = resp.json()["role_assignments"]
    assert {a["role"]["name"] for a in body} == {"member", "reader"}
    assert body[0]["user"]["name"] == "demo"
    assert body[0]["scope"]["project"]["name"] == "demo"
    # a system reader may now list users, but not create them
    reader = await identity.token(client, "demo", DEMO_PASSWORD, None)
    sys_body = identity.password_auth("demo", DEMO_PASSWORD, system={"all": True})
    resp = await client.post(f"{v3}/auth/tokens", json=sys_body)
    sys_token = resp.headers["X-Subject-Token"]
    assert (await client.get(f"{v3}/users", headers=_h(sys_token))).status_code == 200
    resp = await client.post(f"{v3}/users", headers=_h(sys_token), json={"user": {"name": "x"}})
    assert resp.status_code == 403
    assert reader


async def test_demo_is_refused(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    h = _h(await identity.token(client, "demo", DEMO_PASSWORD, "demo"))
    v3 = f"{identity.url}/v3"
    for method, path, body in [
        ("GET", "/users", None),
        ("POST", "/projects", {"project": {"name": "nope"}}),
        ("DELETE", f"/projects/{identity.result.admin_project_id}", None),
        ("GET", "/role_assignments", None),
        (
            "PUT",
            f"/projects/{identity.result.demo_project_id}/users/"
            f"{identity.result.demo_user_id}/roles/x",
            None,
        ),
    ]:
        resp = await client.request(method, v3 + path, headers=h, json=body)
        assert resp.status_code == 403, (path, resp.text)
        error = resp.json()["error"]
        assert error["title"] == "Forbidden"
        assert error["message"].startswith("You are not authorized to perform")
    # but may read its own project and user, and regions
    assert (
        await client.get(f"{v3}/projects/{identity.result.demo_project_id}", headers=h)
    ).status_code == 200
    assert (
        await client.get(f"{v3}/users/{identity.result.demo_user_id}", headers=h)
    ).status_code == 200
    assert (await client.get(f"{v3}/regions", headers=h)).status_code == 200


async def test_bad_requests(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    h = _h(await identity.token(client))
    url = f"{identity.url}/v3/auth/tokens"
    for content in [
        b"{",
        b"[]",
        b'{"auth": 1}',
        b'{"auth": {"identity": {"methods": "x"}}}',
        b"\xff\xfe",
        b'{"auth": {"identity": {"methods": ["password"]}}}',
        b'{"auth": {"identity": {"methods": ["password"], "password": {"user": '
        b'{"name": "admin", "password": "x"}}}}}',
    ]:
        resp = await client.post(url, content=content, headers={"Content-Type": "application/json"})
        assert resp.status_code == 400, (content, resp.text)
        assert resp.json()["error"]["title"] == "Bad Request"
    resp = await client.post(url, json={"auth": {"identity": {"methods": ["totp"], "totp": {}}}})
    assert resp.status_code == 401
    resp = await client.post(
        url, content=b"{" + b" " * 200_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert resp.status_code == 413
    assert resp.json()["error"]["code"] == 413
    projects = f"{identity.url}/v3/projects"
    for body in [
        {"project": {"name": 5}},
        {"project": {}},
        {"projects": {"name": "x"}},
        {"project": {"name": "x", "enabled": "yes"}},
        ["x"],
    ]:
        resp = await client.post(projects, headers=h, json=body)
        assert resp.status_code == 400, (body, resp.text)
    resp = await client.post(
        projects, headers=h, json={"project": {"name": "x", "domain_id": "nope"}}
    )
    assert resp.status_code == 400

"""Token issue/validate/revoke over HTTP, and tokens that must be refused."""

from __future__ import annotations

import datetime
import logging

import httpx
import pytest

from novalite.builtin.identity import rotate_keys, tokens
from novalite.builtin.identity.fernet_keys import multi_fernet

from .harness import (
    ADMIN_PASSWORD,
    DEMO_PASSWORD,
    SERVICE_PASSWORD,
    IdentityServer,
)


def _h(token: str, subject: str | None = None) -> dict[str, str]:
    headers = {"X-Auth-Token": token}
    if subject:
        headers["X-Subject-Token"] = subject
    return headers


async def test_token_body_shape(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"{identity.url}/v3/auth/tokens?nocatalog",
        json=identity.password_auth("demo", DEMO_PASSWORD, "demo"),
    )
    assert resp.status_code == 201
    token = resp.json()["token"]
    assert "catalog" not in token
    assert token["methods"] == ["password"]
    assert len(token["audit_ids"][0]) == 22
    for key in ("expires_at", "issued_at"):
        datetime.datetime.strptime(token[key], "%Y-%m-%dT%H:%M:%S.%fZ")
    assert token["user"] == {
        "id": identity.result.demo_user_id,
        "name": "demo",
        "domain": {"id": "default", "name": "Default"},
        "password_expires_at": None,
    }
    assert token["project"]["domain"] == {"id": "default", "name": "Default"}
    assert token["is_domain"] is False
    assert {r["name"] for r in token["roles"]} == {"member", "reader"}


async def test_scopes(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    url = f"{identity.url}/v3/auth/tokens"
    # unscoped request falls back to the default project
    resp = await client.post(url, json=identity.password_auth("demo", DEMO_PASSWORD))
    assert resp.json()["token"]["project"]["name"] == "demo"
    # by user id + project id
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"id": identity.result.admin_user_id, "password": ADMIN_PASSWORD}
                },
            },
            "scope": {"system": {"all": True}},
        }
    }
    resp = await client.post(url, json=body)
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["system"] == {"all": True}
    assert "catalog" in token
    body["auth"]["scope"] = {"project": {"id": identity.result.admin_project_id}}
    assert (await client.post(url, json=body)).status_code == 201
    # explicit unscoped
    body["auth"]["scope"] = "unscoped"
    resp = await client.post(url, json=body)
    assert "roles" not in resp.json()["token"]
    unscoped = resp.headers["X-Subject-Token"]
    # re-scope with the token method keeps the expiry and chains audit ids
    resp = await client.post(
        url,
        json={
            "auth": {
                "identity": {"methods": ["token"], "token": {"id": unscoped}},
                "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}},
            }
        },
    )
    assert resp.status_code == 201, resp.text
    rescoped = resp.json()["token"]
    assert rescoped["methods"] == ["token", "password"]
    assert len(rescoped["audit_ids"]) == 2
    # a project the user has no role on: 401
    resp = await client.post(url, json=identity.password_auth("demo", DEMO_PASSWORD, "admin"))
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"] == f'Keystone uri="{identity.url}"'
    # domain scope without a domain role: 401
    resp = await client.post(
        url, json=identity.password_auth("admin", ADMIN_PASSWORD, domain={"id": "default"})
    )
    assert resp.status_code == 401
    admin = await identity.token(client)
    roles = (await client.get(f"{identity.url}/v3/roles?name=reader", headers=_h(admin))).json()
    grant = (
        f"{identity.url}/v3/domains/default/users/{identity.result.admin_user_id}"
        f"/roles/{roles['roles'][0]['id']}"
    )
    assert (await client.put(grant, headers=_h(admin))).status_code == 204
    resp = await client.post(
        url, json=identity.password_auth("admin", ADMIN_PASSWORD, domain={"name": "Default"})
    )
    assert resp.status_code == 201, resp.text
    token = resp.json()["token"]
    assert token["domain"] == {"id": "default", "name": "Default"}
    assert [r["name"] for r in token["roles"]] == ["reader"]
    assert "project" not in token


async def test_bad_credentials_same_answer(
    identity: IdentityServer, client: httpx.AsyncClient
) -> None:
    url = f"{identity.url}/v3/auth/tokens"
    bodies = [
        identity.password_auth("demo", "wrong"),
        identity.password_auth("nobody", "wrong"),
    ]
    answers = [(await client.post(url, json=b)) for b in bodies]
    assert {r.status_code for r in answers} == {401}
    assert len({r.text for r in answers}) == 1
    assert answers[0].json()["error"]["title"] == "Unauthorized"


async def test_validate_check_revoke(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    admin = await identity.token(client)
    demo = await identity.token(client, "demo", DEMO_PASSWORD, "demo")
    url = f"{identity.url}/v3/auth/tokens"
    resp = await client.get(url, headers=_h(admin, demo))
    assert resp.status_code == 200
    assert resp.headers["X-Subject-Token"] == demo
    assert (await client.head(url, headers=_h(admin, demo))).status_code == 200
    # a user may validate their own token, not someone else's
    assert (await client.get(url, headers=_h(demo, demo))).status_code == 200
    assert (await client.get(url, headers=_h(demo, admin))).status_code == 403
    # a service user (keystonemiddleware's role) validates anyone's token
    nova = await identity.token(client, "nova", SERVICE_PASSWORD, "service")
    resp = await client.get(url, headers=_h(nova, demo))
    assert resp.status_code == 200
    assert resp.json()["token"]["user"]["name"] == "demo"
    resp = await client.get(f"{identity.url}/v3/auth/catalog", headers=_h(demo))
    assert resp.status_code == 200
    assert resp.json()["catalog"]
    resp = await client.get(f"{identity.url}/v3/auth/projects", headers=_h(demo))
    assert [p["name"] for p in resp.json()["projects"]] == ["demo"]
    resp = await client.get(f"{identity.url}/v3/auth/system", headers=_h(admin))
    assert resp.json()["system"] == [{"all": True}]
    resp = await client.get(f"{identity.url}/v3/auth/domains", headers=_h(admin))
    assert resp.json()["domains"] == []
    assert (await client.delete(url, headers=_h(admin, demo))).status_code == 204
    assert (await client.get(url, headers=_h(admin, demo))).status_code == 404
    assert (await client.head(url, headers=_h(admin, demo))).status_code == 404
    assert (
        await client.get(f"{identity.url}/v3/auth/catalog", headers=_h(demo))
    ).status_code == 401


async def test_refused_tokens(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    admin = await identity.token(client)
    projects = f"{identity.url}/v3/projects"
    assert (await client.get(projects, headers=_h(admin))).status_code == 200
    # tampered
    tampered = admin[:-5] + ("A" if admin[-5] != "A" else "B") + admin[-4:]
    resp = await client.get(projects, headers=_h(tampered))
    assert resp.status_code == 401
    assert resp.json()["error"]["code"] == 401
    assert (await client.get(projects, headers=_h("garbage"))).status_code == 401
    assert (await client.get(projects)).status_code == 401
    # expired: a genuine token whose expiry has passed
    fernet = multi_fernet(identity.options.key_repository)
    payload = tokens.decode(fernet, admin)
    assert payload is not None
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    expired = tokens.encode(
        fernet,
        tokens.TokenPayload(
            payload.user_id,
            payload.methods,
            payload.scope,
            past - datetime.timedelta(hours=1),
            past,
            payload.audit_ids,
        ),
    )
    assert (await client.get(projects, headers=_h(expired))).status_code == 401
    url = f"{identity.url}/v3/auth/tokens"
    assert (await client.get(url, headers=_h(admin, expired))).status_code == 404
    resp = await client.get(url + "?allow_expired=1", headers=_h(admin, expired))
    assert resp.status_code == 200


async def test_revocation_by_state_changes(
    identity: IdentityServer, client: httpx.AsyncClient
) -> None:
    admin = await identity.token(client)
    base = identity.url + "/v3"
    resp = await client.post(
        f"{base}/projects", headers=_h(admin), json={"project": {"name": "p1"}}
    )
    project_id = resp.json()["project"]["id"]
    resp = await client.post(
        f"{base}/users",
        headers=_h(admin),
        json={"user": {"name": "u1", "password": "u1-password", "default_project_id": project_id}},
    )
    user_id = resp.json()["user"]["id"]
    roles = (await client.get(f"{base}/roles?name=member", headers=_h(admin))).json()["roles"]
    member = roles[0]["id"]
    grant = f"{base}/projects/{project_id}/users/{user_id}/roles/{member}"
    assert (await client.put(grant, headers=_h(admin))).status_code == 204

    async def user_token() -> str:
        return await identity.token(client, "u1", "u1-password", "p1")

    async def valid(token: str) -> int:
        resp = await client.get(f"{base}/auth/tokens", headers=_h(admin, token))
        return resp.status_code

    # role assignment removed
    tok = await user_token()
    assert await valid(tok) == 200
    assert (await client.delete(grant, headers=_h(admin))).status_code == 204
    assert await valid(tok) == 404
    assert (await client.put(grant, headers=_h(admin))).status_code == 204
    # password changed
    tok = await user_token()
    await client.patch(
        f"{base}/users/{user_id}", headers=_h(admin), json={"user": {"password": "u1-new-password"}}
    )
    assert await valid(tok) == 404
    tok = await identity.token(client, "u1", "u1-new-password", "p1")
    # user disabled
    await client.patch(
        f"{base}/users/{user_id}", headers=_h(admin), json={"user": {"enabled": False}}
    )
    assert await valid(tok) == 404
    resp = await client.post(
        f"{base}/auth/tokens", json=identity.password_auth("u1", "u1-new-password", "p1")
    )
    assert resp.status_code == 401
    await client.patch(
        f"{base}/users/{user_id}", headers=_h(admin), json={"user": {"enabled": True}}
    )
    tok = await identity.token(client, "u1", "u1-new-password", "p1")
    # project deleted
    assert (
        await client.delete(f"{base}/projects/{project_id}", headers=_h(admin))
    ).status_code == 204
    assert await valid(tok) == 404


async def test_application_credentials(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    demo = await identity.token(client, "demo", DEMO_PASSWORD, "demo")
    uid = identity.result.demo_user_id
    base = f"{identity.url}/v3/users/{uid}/application_credentials"
    resp = await client.post(
        base,
        headers=_h(demo),
        json={"application_credential": {"name": "mon", "roles": [{"name": "reader"}]}},
    )
    assert resp.status_code == 201, resp.text
    cred = resp.json()["application_credential"]
    secret = cred["secret"]
    assert [r["name"] for r in cred["roles"]] == ["reader"]
    listed = (await client.get(base, headers=_h(demo))).json()["application_credentials"]
    assert "secret" not in listed[0]
    # another user's credentials are not visible to demo
    admin_creds = f"{identity.url}/v3/users/{identity.result.admin_user_id}/application_credentials"
    assert (await client.get(admin_creds, headers=_h(demo))).status_code == 403
    url = f"{identity.url}/v3/auth/tokens"
    for identity_body in (
        {"id": cred["id"], "secret": secret},
        {"name": "mon", "user": {"name": "demo", "domain": {"id": "default"}}, "secret": secret},
    ):
        resp = await client.post(
            url,
            json={
                "auth": {
                    "identity": {
                        "methods": ["application_credential"],
                        "application_credential": identity_body,
                    }
                }
            },
        )
        assert resp.status_code == 201, resp.text
        token = resp.json()["token"]
        assert token["application_credential"]["restricted"] is True
        assert [r["name"] for r in token["roles"]] == ["reader"]
        assert token["project"]["name"] == "demo"
    app_token = resp.headers["X-Subject-Token"]
    resp = await client.post(
        url,
        json={
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": cred["id"], "secret": "wrong"},
                }
            }
        },
    )
    assert resp.status_code == 401
    resp = await client.post(
        url,
        json={
            "auth": {
                "identity": {
                    "methods": ["application_credential"],
                    "application_credential": {"id": cred["id"], "secret": secret},
                },
                "scope": {"project": {"id": identity.result.demo_project_id}},
            }
        },
    )
    assert resp.status_code == 401
    assert (await client.delete(f"{base}/{cred['id']}", headers=_h(demo))).status_code == 204
    assert (await client.get(url, headers=_h(demo, app_token))).status_code == 404


async def test_no_secrets_in_logs(
    identity: IdentityServer, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    token = await identity.token(client)
    await client.get(f"{identity.url}/v3/projects", headers=_h(token))
    await client.get(f"{identity.url}/v3/projects", headers=_h(token[:-3] + "xyz"))
    await client.post(
        f"{identity.url}/v3/auth/tokens", json=identity.password_auth("admin", "wrong-password-xyz")
    )
    # The test's own HTTP client logs its requests; only the service's logs matter.
    text = "\n".join(
        record.getMessage()
        for record in caplog.records
        if not record.name.startswith(("httpx", "httpcore"))
    )
    assert ADMIN_PASSWORD not in text
    assert "wrong-password-xyz" not in text
    assert token not in text
    assert token[:40] not in text


async def test_key_rotation_on_a_running_service(
    identity: IdentityServer, client: httpx.AsyncClient
) -> None:
    old = await identity.token(client)
    projects = f"{identity.url}/v3/projects"
    repo = identity.options.key_repository
    rotate_keys(repo, 3)
    assert (await client.get(projects, headers=_h(old))).status_code == 200
    new = await identity.token(client)
    rotate_keys(repo, 3)
    assert (await client.get(projects, headers=_h(old))).status_code == 401
    assert (await client.get(projects, headers=_h(new))).status_code == 200


async def test_deeply_nested_json(identity: IdentityServer, client: httpx.AsyncClient) -> None:
    resp = await client.post(
        f"{identity.url}/v3/auth/tokens",
        content=b"[" * 50_000 + b"]" * 50_000,
        headers={"Content-Type": "application/json"},
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["code"] == 400


async def test_self_service_password_change(
    identity: IdentityServer, client: httpx.AsyncClient
) -> None:
    token = await identity.token(client, "demo", DEMO_PASSWORD, "demo")
    url = f"{identity.url}/v3/users/{identity.result.demo_user_id}/password"
    wrong = {"user": {"password": "new-pw-1", "original_password": "nope"}}
    assert (await client.post(url, json=wrong)).status_code == 401
    right = {"user": {"password": "new-pw-1", "original_password": DEMO_PASSWORD}}
    assert (await client.post(url, json=right)).status_code == 204
    resp = await client.get(f"{identity.url}/v3/auth/catalog", headers=_h(token))
    assert resp.status_code == 401
    await identity.token(client, "demo", "new-pw-1", "demo")

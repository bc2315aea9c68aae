"""Key pairs over HTTP: generate, import, list/page, show, delete, per microversion."""

from __future__ import annotations

import httpx
from cryptography.hazmat.primitives import serialization

from novalite.api import keypair_keys
from tests.functional.api.conftest import ADMIN, MEMBER, OTHER, ClientFactory, headers

SAMPLE_KEY = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDx8nkQv/zgGgB4rMYmIf+6A4l6Rr+o/6lHBQdW5aYd44bd8Jtt"
    "DCE/F/pNRr0lRE+PiqSPO8nDPHw0010JeMH9gYgnnFlyY3/OcJ02RhIPyyxYpv9FhY+2YiUkpwFOcLImyrxEsYXp"
    "D/0d3ac30bNH6Sw9JD9UZHYcpSxsIbECHw== Generated-by-Nova"
)
SAMPLE_FINGERPRINT = "1e:2c:9b:56:79:4b:45:77:f9:ca:7a:98:2c:b0:d5:3c"


async def test_import_has_nova_fingerprint(client: httpx.AsyncClient) -> None:
    body = {"keypair": {"name": "k", "public_key": SAMPLE_KEY}}
    r = await client.post("/v2.1/os-keypairs", json=body, headers=MEMBER)
    assert r.status_code == 200  # 2.1
    assert r.json() == {
        "keypair": {
            "name": "k",
            "public_key": SAMPLE_KEY,
            "fingerprint": SAMPLE_FINGERPRINT,
            "user_id": "alice",
        }
    }
    r = await client.post("/v2.1/os-keypairs", json=body, headers=MEMBER)
    assert r.json() == {
        "conflictingRequest": {"code": 409, "message": "Key pair 'k' already exists."}
    }


async def test_generate_ssh_key_pair(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v2.1/os-keypairs", json={"keypair": {"name": "gen"}}, headers=headers(MEMBER, "2.2")
    )
    assert r.status_code == 201
    pair = r.json()["keypair"]
    assert pair["type"] == "ssh" and pair["public_key"].startswith("ssh-rsa ")
    private = serialization.load_pem_private_key(pair["private_key"].encode(), None)
    public = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    assert pair["public_key"].split()[1] == public.decode().split()[1]
    assert pair["fingerprint"] == keypair_keys.ssh_fingerprint(pair["public_key"])


async def test_generate_x509_and_import(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/v2.1/os-keypairs",
        json={"keypair": {"name": "win", "type": "x509"}},
        headers=headers(MEMBER, "2.2"),
    )
    assert r.status_code == 201, r.text
    pair = r.json()["keypair"]
    assert pair["type"] == "x509" and "BEGIN CERTIFICATE" in pair["public_key"]
    r = await client.post(
        "/v2.1/os-keypairs",
        json={"keypair": {"name": "win2", "type": "x509", "public_key": pair["public_key"]}},
        headers=headers(MEMBER, "2.2"),
    )
    assert r.json()["keypair"]["fingerprint"] == pair["fingerprint"]


async def test_2_92_requires_public_key_and_allows_dots(client: httpx.AsyncClient) -> None:
    v292 = headers(MEMBER, "2.92")
    r = await client.post("/v2.1/os-keypairs", json={"keypair": {"name": "x"}}, headers=v292)
    assert r.status_code == 400
    name = "me.and.myself@this.nice.domain.com mooh."
    body = {"keypair": {"name": name, "public_key": SAMPLE_KEY}}
    r = await client.post("/v2.1/os-keypairs", json=body, headers=v292)
    assert r.status_code == 201 and "private_key" not in r.json()["keypair"]
    r = await client.post("/v2.1/os-keypairs", json=body, headers=headers(MEMBER, "2.91"))
    assert r.status_code == 400


async def test_invalid_public_key(client: httpx.AsyncClient) -> None:
    body = {"keypair": {"name": "bad", "public_key": "ssh-rsa not-a-key"}}
    r = await client.post("/v2.1/os-keypairs", json=body, headers=MEMBER)
    assert r.json() == {
        "badRequest": {
            "code": 400,
            "message": "Keypair data is invalid: failed to generate fingerprint",
        }
    }


async def test_list_per_user_paging_and_admin_user_id(client_factory: ClientFactory) -> None:
    client = client_factory(max_limit=2)
    for name in ("c", "a", "b"):
        body = {"keypair": {"name": name, "public_key": SAMPLE_KEY}}
        assert (await client.post("/v2.1/os-keypairs", json=body, headers=MEMBER)).is_success
    v235 = headers(MEMBER, "2.35")
    page = (await client.get("/v2.1/os-keypairs", headers=v235)).json()
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["a", "b"]
    assert page["keypairs_links"] == [
        {"rel": "next", "href": "http://compute.test/v2.1/os-keypairs?marker=b"}
    ]
    page = (await client.get("/v2.1/os-keypairs?marker=b", headers=v235)).json()
    assert [k["keypair"]["name"] for k in page["keypairs"]] == ["c"]
    assert "keypairs_links" not in page
    old = (await client.get("/v2.1/os-keypairs", headers=MEMBER)).json()
    assert len(old["keypairs"]) == 3 and "type" not in old["keypairs"][0]["keypair"]
    assert (await client.get("/v2.1/os-keypairs", headers=OTHER)).json() == {"keypairs": []}
    r = await client.get("/v2.1/os-keypairs?user_id=alice", headers=headers(OTHER, "2.10"))
    assert r.status_code == 403
    r = await client.get("/v2.1/os-keypairs?user_id=alice", headers=headers(ADMIN, "2.35"))
    assert [k["keypair"]["name"] for k in r.json()["keypairs"]] == ["a", "b"]
    r = await client.get("/v2.1/os-keypairs/a?user_id=alice", headers=headers(ADMIN, "2.10"))
    assert r.json()["keypair"]["user_id"] == "alice"
    r = await client.get("/v2.1/os-keypairs?marker=zz", headers=v235)
    assert r.status_code == 400


async def test_show_and_delete(client: httpx.AsyncClient) -> None:
    body = {"keypair": {"name": "k", "public_key": SAMPLE_KEY}}
    await client.post("/v2.1/os-keypairs", json=body, headers=MEMBER)
    shown = (await client.get("/v2.1/os-keypairs/k", headers=MEMBER)).json()["keypair"]
    assert shown["deleted"] is False and shown["deleted_at"] is None and "type" not in shown
    r = await client.get("/v2.1/os-keypairs/k", headers=OTHER)
    assert r.json() == {
        "itemNotFound": {"code": 404, "message": "Keypair k not found for user bob"}
    }
    assert (await client.delete("/v2.1/os-keypairs/k", headers=MEMBER)).status_code == 202
    await client.post("/v2.1/os-keypairs", json=body, headers=MEMBER)
    r = await client.delete("/v2.1/os-keypairs/k", headers=headers(MEMBER, "2.2"))
    assert r.status_code == 204

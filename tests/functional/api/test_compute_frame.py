"""The API frame: version documents, microversion headers, faults for bad input."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import jsonschema
import pytest
from starlette.middleware import Middleware

from novalite.api.app import PUBLIC_PATHS, create_compute_app
from novalite.api.schemas import schema
from novalite.api_common.app import mount_services
from novalite.api_common.auth import NoAuthMiddleware
from novalite.db.engine import Database
from tests.functional.api.conftest import ADMIN, MEMBER, headers

SAMPLES = Path("/work/shared/reference/compute-api/samples/versions")
VARY = "openstack-api-version, X-OpenStack-Nova-API-Version"


def _sample(name: str) -> object:
    text = (SAMPLES / name).read_text().replace("http://openstack.example.com", "http://h")
    return json.loads(text)


@pytest.fixture
async def default_client(api_db: Database) -> httpx.AsyncClient:
    """The app as the lead builds it: default max microversion, mounted at /compute."""
    app = create_compute_app([Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)], db=api_db)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=mount_services({"/compute": app})), base_url="http://h"
    )


async def test_version_documents_mounted(default_client: httpx.AsyncClient) -> None:
    r = await default_client.get("/compute/")
    assert r.status_code == 200 and "OpenStack-API-Version" not in r.headers
    expected = _sample("versions-get-resp.json")
    text = json.dumps(expected).replace("http://h/", "http://h/compute/").replace("2.104", "2.85")
    assert r.json() == json.loads(text)
    r = await default_client.get("/compute/v2.1", headers=ADMIN)
    assert r.status_code == 302 and r.headers["location"] == "http://h/compute/v2.1/"
    r = await default_client.get("/compute/v2.1/", headers=ADMIN)
    expected = _sample("v21-version-get-resp.json")
    text = json.dumps(expected).replace("http://h/", "http://h/compute/").replace("2.104", "2.85")
    assert r.json() == json.loads(text)


async def test_flavor_links_use_mount_point(default_client: httpx.AsyncClient) -> None:
    body = {"flavor": {"name": "a", "ram": 1, "vcpus": 1, "disk": 0, "id": "1"}}
    r = await default_client.post("/compute/v2.1/flavors", json=body, headers=ADMIN)
    assert [link["href"] for link in r.json()["flavor"]["links"]] == [
        "http://h/compute/v2.1/flavors/1",
        "http://h/compute/flavors/1",
    ]


async def test_microversion_headers_and_errors(default_client: httpx.AsyncClient) -> None:
    r = await default_client.get("/compute/v2.1/flavors", headers=MEMBER)
    assert r.headers["OpenStack-API-Version"] == "compute 2.1"
    assert r.headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert r.headers["Vary"] == VARY
    legacy = dict(MEMBER, **{"X-OpenStack-Nova-API-Version": "2.55"})
    r = await default_client.get("/compute/v2.1/flavors", headers=legacy)
    assert r.headers["OpenStack-API-Version"] == "compute 2.55"
    r = await default_client.get("/compute/v2.1/flavors", headers=headers(MEMBER, "latest"))
    assert r.headers["OpenStack-API-Version"] == "compute 2.85"
    r = await default_client.get("/compute/v2.1/flavors", headers=headers(MEMBER, "2.86"))
    assert r.status_code == 406
    assert r.json() == {
        "computeFault": {
            "code": 406,
            "message": "Version 2.86 is not supported by the API. "
            "Minimum is 2.1 and maximum is 2.85.",
        }
    }
    assert r.headers["Vary"] == VARY
    r = await default_client.get("/compute/v2.1/flavors", headers=headers(MEMBER, "two"))
    assert r.status_code == 400 and "badRequest" in r.json()


async def test_bad_bodies_get_nova_faults(client: httpx.AsyncClient) -> None:
    url = "/v2.1/flavors"
    r = await client.post(url, content=b"{not json", headers=ADMIN)
    assert r.json() == {"badRequest": {"code": 400, "message": "Malformed request body"}}
    body = {"flavor": {"name": "a", "ram": 1, "vcpus": 1, "disk": 0, "bogus": 1}}
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.json()["badRequest"]["message"] == (
        "Invalid input for field/attribute flavor. Value: {'name': 'a', 'ram': 1, 'vcpus': 1,"
        " 'disk': 0, 'bogus': 1}. Additional properties are not allowed ('bogus' was unexpected)"
    )
    body = {"flavor": {"name": "a", "ram": 1, "vcpus": [], "disk": 0}}
    r = await client.post(url, json=body, headers=ADMIN)
    assert r.json()["badRequest"]["message"].startswith(
        "Invalid input for field/attribute vcpus. Value: []."
    )
    r = await client.post(url, content=b"x" * 200_000, headers=ADMIN)
    assert r.status_code == 413 and "overLimit" in r.json()
    r = await client.post(url, content=b"<a/>", headers=dict(ADMIN, **{"Content-Type": "text/xml"}))
    assert r.status_code == 415 and "badMediaType" in r.json()
    r = await client.post(url, json=[], headers=ADMIN)
    assert r.status_code == 400
    r = await client.put("/v2.1/os-keypairs", headers=ADMIN)
    assert r.status_code == 405 and "badMethod" in r.json()
    r = await client.get("/v2.1/flavors/1", headers=MEMBER)
    assert r.status_code == 404 and r.headers["OpenStack-API-Version"] == "compute 2.1"
    assert r.headers["x-openstack-request-id"].startswith("req-")
    assert r.headers["x-compute-request-id"] == r.headers["x-openstack-request-id"]


async def test_internal_errors_are_hidden(api_db: Database) -> None:
    app = create_compute_app([Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)], db=api_db)
    await api_db.dispose()
    broken = Database("sqlite:////nonexistent/dir/db.sqlite")
    app = create_compute_app([Middleware(NoAuthMiddleware, public_paths=PUBLIC_PATHS)], db=broken)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://h"
    ) as client:
        r = await client.get("/v2.1/flavors", headers=MEMBER)
    await broken.dispose()
    assert r.status_code == 500
    assert r.json()["computeFault"]["message"].startswith("Unexpected API Error.")
    assert r.headers["OpenStack-API-Version"] == "compute 2.1"


async def test_other_root_paths_get_multiple_choices(client: httpx.AsyncClient) -> None:
    r = await client.get("/v3/servers", headers=ADMIN)
    assert r.status_code == 300
    choices = r.json()["choices"]
    assert [c["links"][0]["href"] for c in choices] == [
        "http://compute.test/v2/v3/servers",
        "http://compute.test/v2.1/v3/servers",
    ]
    jsonschema.Draft4Validator(schema("versions", "multi_response")).validate(r.json())
    assert (await client.get("/healthcheck")).text == "OK"


async def test_project_id_in_url(client: httpx.AsyncClient) -> None:
    body = {"flavor": {"name": "a", "ram": 1, "vcpus": 1, "disk": 0, "id": "1"}}
    r = await client.post("/v2.1/admin-project/flavors", json=body, headers=ADMIN)
    assert r.status_code == 200, r.text
    assert [link["href"] for link in r.json()["flavor"]["links"]] == [
        "http://compute.test/v2.1/admin-project/flavors/1",
        "http://compute.test/admin-project/flavors/1",
    ]
    r = await client.get("/v2.1/alice-project/flavors?limit=1", headers=MEMBER)
    assert r.json()["flavors_links"][0]["href"] == (
        "http://compute.test/v2.1/alice-project/flavors?limit=1&marker=1"
    )
    r = await client.get("/v2.1/other-project/flavors", headers=MEMBER)
    assert r.json() == {"badRequest": {"code": 400, "message": "Malformed request URL"}}
    assert r.headers["OpenStack-API-Version"] == "compute 2.1"
    r = await client.get("/v2.1/flavors/detail", headers=MEMBER)
    assert r.status_code == 200

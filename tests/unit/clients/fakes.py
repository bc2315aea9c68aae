"""An in-memory keystone for client tests, served through ``httpx.MockTransport``."""

from __future__ import annotations

import datetime
import itertools
import json
from typing import Any

import httpx

AUTH_URL = "http://keystone.test/identity"
V3 = AUTH_URL + "/v3"
PLACEMENT_URL = "http://placement.test/placement"

CATALOG = [
    {
        "type": "placement",
        "name": "placement",
        "endpoints": [
            {"interface": "public", "region_id": "RegionOne", "url": "http://public/placement"},
            {"interface": "internal", "region_id": "RegionOne", "url": PLACEMENT_URL},
            {"interface": "internal", "region_id": "RegionTwo", "url": "http://two/placement"},
        ],
    },
    {
        "type": "identity",
        "name": "keystone",
        "endpoints": [{"interface": "public", "region": "RegionOne", "url": AUTH_URL}],
    },
]


def iso(when: datetime.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeKeystone:
    """Issues ``tok-N`` tokens; ``lifetime`` seconds; knows which are revoked."""

    def __init__(self) -> None:
        self.counter = itertools.count(1)
        self.lifetime = 3600.0
        self.issued: dict[str, datetime.datetime] = {}
        self.revoked: set[str] = set()
        self.requests: list[httpx.Request] = []
        self.discovery_fails = False
        self.password = "secret"

    def body(self, user: str, expires: datetime.datetime) -> dict[str, Any]:
        return {
            "token": {
                "methods": ["password"],
                "user": {"id": f"id-{user}", "name": user, "domain": {"id": "default"}},
                "project": {"id": "p-service", "name": "service", "domain": {"id": "default"}},
                "roles": [{"id": "r1", "name": "admin"}, {"id": "r2", "name": "service"}],
                "expires_at": iso(expires),
                "issued_at": iso(datetime.datetime.now(datetime.UTC)),
                "catalog": CATALOG,
            }
        }

    def valid(self, token: str | None) -> bool:
        if token is None or token in self.revoked or token not in self.issued:
            return False
        return self.issued[token] > datetime.datetime.now(datetime.UTC)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        if request.method == "GET" and path.rstrip("/") == "/identity":
            if self.discovery_fails:
                return httpx.Response(500)
            return httpx.Response(
                300,
                json={
                    "versions": {
                        "values": [
                            {
                                "id": "v3.14",
                                "status": "stable",
                                "links": [{"rel": "self", "href": V3 + "/"}],
                            }
                        ]
                    }
                },
            )
        if path == "/identity/v3/auth/tokens" and request.method == "POST":
            body = json.loads(request.content)
            user = body["auth"]["identity"]["password"]["user"]
            if user["password"] != self.password:
                return httpx.Response(401, json={"error": {"code": 401, "message": "bad"}})
            token = f"tok-{next(self.counter)}"
            expires = datetime.datetime.now(datetime.UTC) + datetime.timedelta(
                seconds=self.lifetime
            )
            self.issued[token] = expires
            return httpx.Response(
                201, json=self.body(user["name"], expires), headers={"X-Subject-Token": token}
            )
        if path == "/identity/v3/auth/tokens" and request.method == "GET":
            if not self.valid(request.headers.get("x-auth-token")):
                return httpx.Response(401, json={"error": {"code": 401}})
            subject = request.headers["x-subject-token"]
            if not self.valid(subject):
                return httpx.Response(404, json={"error": {"code": 404}})
            return httpx.Response(200, json=self.body("someone", self.issued[subject]))
        return httpx.Response(404)
